export declare class FlashError extends Error {}
export declare function flashApp(o: {
  app: any;
  board: any;
  distDir: string;
  buildDir?: string;
  cwd: string;
  port?: string;
  image?: boolean;
  dryRun?: boolean;
  print: (line: string) => void;
}): Promise<void>;
