/** `PT10M`, `PT1H30M`, `PT45S`, `P1D` (the ISO 8601 durations ARM uses) in seconds. */
export function isoDurationSeconds(value: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) throw new Error(`not an ISO 8601 duration: ${value}`);
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s);
}

/** `hh:mm:ss` (the .NET TimeSpan host.json uses) in seconds. */
export function timeSpanSeconds(value: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) throw new Error(`not a hh:mm:ss time span: ${value}`);
  const [, h = '0', m = '0', s = '0'] = match;
  return (Number(h) * 60 + Number(m)) * 60 + Number(s);
}
