/** An app configured by its options alone: offline, on a test clock, with no environment of its own. */
import { createApp } from '@tessera/runtime';
import manifest from '../../manifest.json';

let now = Date.parse('2026-12-01T00:00:00Z');
export const testApp = createApp({ manifest, offline: true, clock: () => now, env: {}, csrfSecret: 'c'.repeat(40) });
export const later = (ms: number): void => void (now += ms);
