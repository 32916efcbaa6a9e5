/**
 * Progress display for `run`: a bar on an interactive terminal, plain lines in CI and pipes (one per
 * notable entry and one every 10 %). Always on stderr: stdout is for results.
 */
import type { ManifestEntry } from '../manifest/types.js';

export interface Progress {
  onCase(done: number, total: number, e: ManifestEntry, pass: string): void;
  end(): void;
}

const NOTABLE = new Set(['fail', 'error', 'xpass', 'xfail']);

function line(done: number, total: number, e: ManifestEntry, pass: string): string {
  const tag = pass === 'default' ? '' : `${pass} `;
  return `[${tag}${done}/${total}] ${e.status.toUpperCase()} ${e.id}${e.reason ? `: ${e.reason.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`;
}

export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
  interactive = stream.isTTY === true && !process.env.CI,
): Progress {
  if (!interactive) {
    let lastDecile = new Map<string, number>();
    return {
      onCase(done, total, e, pass) {
        if (NOTABLE.has(e.status)) stream.write(`${line(done, total, e, pass)}\n`);
        const decile = Math.floor((done * 10) / Math.max(total, 1));
        if (total >= 50 && decile !== (lastDecile.get(pass) ?? 0)) {
          lastDecile.set(pass, decile);
          stream.write(`[${pass}] ${done}/${total} cases\n`);
        }
      },
      end() {
        lastDecile = new Map();
      },
    };
  }
  let lastDraw = 0;
  let drawn = false;
  const width = 28;
  return {
    onCase(done, total, e, pass) {
      if (NOTABLE.has(e.status)) {
        stream.write(`\r\x1b[2K${line(done, total, e, pass)}\n`);
        drawn = false;
      }
      const now = performance.now();
      if (done !== total && now - lastDraw < 80) return;
      lastDraw = now;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      const cols = stream.columns ?? 100;
      const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${pass} ${e.id}`;
      stream.write(`\r\x1b[2K${text.slice(0, cols - 1)}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
