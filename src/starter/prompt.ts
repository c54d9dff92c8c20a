// Reads a secret from the terminal without echoing it.
import readline from 'node:readline';

export function promptSecret(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput?: (s: string) => void };
    process.stderr.write(question);
    // Echo nothing of what is typed.
    output._writeToOutput = () => undefined;
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      if (!answer) reject(new Error('no password given'));
      else resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      reject(new Error('cancelled'));
    });
  });
}
