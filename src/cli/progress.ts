/** Progress on stderr: a bar on a terminal, plain throttled lines otherwise (logs, CI, pipes). */
import cliProgress from 'cli-progress';

export interface ProgressReporter {
  update(done: number, total?: number): void;
  stop(): void;
}

export function createProgress(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {value}/{total} ${unit}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total ?? done, done);
          started = true;
        }
        if (total !== undefined) bar.setTotal(total);
        else if (done > bar.getTotal()) bar.setTotal(done);
        bar.update(done);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  let lastDone = -1;
  return {
    update(done, total) {
      const now = Date.now();
      const finished = total !== undefined && done >= total;
      if (done === lastDone || (!finished && now - last < 1000)) return;
      last = now;
      lastDone = done;
      stream.write(`${label}: ${done}${total !== undefined ? `/${total}` : ''} ${unit}\n`);
    },
    stop() {},
  };
}
