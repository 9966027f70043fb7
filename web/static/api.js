// Fetches one API answer; a 4xx carries a one-line error the status bar shows.
export async function api(name, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const res = await fetch(`/api/${name}?${q}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `${name}: HTTP ${res.status}`);
  return body;
}
