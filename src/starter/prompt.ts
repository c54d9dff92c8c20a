// Reads a secret from the terminal without echoing it (@inquirer/password), the prompt on stderr so
// stdout stays clean for -o json. Ctrl+C ends the command with a clear message and exit 130.
import password from '@inquirer/password';
import { CliError, EXIT } from './exit-codes';

export interface PromptStreams {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export async function promptSecret(message: string, streams: PromptStreams = {}): Promise<string> {
  let answer: string;
  try {
    answer = await password({ message, mask: false }, { input: streams.input ?? process.stdin, output: streams.output ?? process.stderr, clearPromptOnDone: false });
  } catch (err) {
    // ExitPromptError: Ctrl+C (or the terminal closed) at the prompt.
    if (err instanceof Error && err.name === 'ExitPromptError') throw new CliError('cancelled at the password prompt: nothing was started', EXIT.interrupted);
    throw err;
  }
  if (!answer) throw new CliError('no password given: nothing was started', EXIT.invalid);
  return answer;
}
