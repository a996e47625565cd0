import { exitOnError } from './exit.js';
import { createProgram } from './program.js';

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    exitOnError('loa', error);
  });
