import { writeFileSync } from 'node:fs';
export function writeReport(path: string, summary: unknown, detail: unknown): void {
  writeFileSync(path, JSON.stringify({ summary, detail }));
}
