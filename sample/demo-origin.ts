/** The origin of the demo page that calls this API (a second port on this machine). */
export const DEMO_ORIGIN = process.env.DEMO_ORIGIN ?? 'http://127.0.0.1:3001';
