/** Tiny HTML helpers shared by the issuer's login and consent pages and the web client. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and double-quoted attributes. */
export const esc = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, sans-serif; }
  body { margin: 0; background: #f4f5f7; color: #1d2330; }
  header { background: #1d2330; color: #fff; padding: 14px 24px; font-weight: 600; }
  header small { font-weight: 400; opacity: .7; margin-left: 8px; }
  main { max-width: 820px; margin: 24px auto; padding: 0 16px; }
  .card { background: #fff; border-radius: 8px; padding: 20px 24px; margin-bottom: 16px;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.3rem; margin: 0 0 12px; }
  h2 { font-size: 1.05rem; margin: 0 0 8px; }
  label { display: block; margin: 10px 0 4px; font-weight: 600; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: 8px;
          border: 1px solid #b8bfcc; border-radius: 4px; font-size: 1rem; }
  button, .button { display: inline-block; margin: 14px 8px 0 0; padding: 8px 16px; border: 0;
          border-radius: 4px; background: #2456d3; color: #fff; font-size: 1rem; cursor: pointer;
          text-decoration: none; }
  button.secondary { background: #6b7385; }
  pre { background: #f0f2f5; padding: 10px; border-radius: 4px; overflow-x: auto; font-size: .85rem;
        white-space: pre-wrap; word-break: break-all; margin: 6px 0 0; }
  code { font-size: .9rem; }
  .status { display: inline-block; min-width: 42px; text-align: center; border-radius: 4px;
            padding: 2px 6px; color: #fff; font-weight: 700; margin-right: 6px; }
  .s2 { background: #1f8a4c; } .s4 { background: #c0392b; } .s5 { background: #8e44ad; }
  .error { color: #c0392b; font-weight: 600; }
  .notice { color: #1f8a4c; font-weight: 600; }
  .warning { color: #a15c00; font-weight: 600; }
  .muted { color: #6b7385; font-size: .9rem; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; } .actions button { margin: 6px 0 0; }
  .call { margin-top: 12px; }
  ul.scopes { list-style: none; padding: 0; } ul.scopes li { margin: 4px 0; }
`;

/** A whole page. Only the web client's signed-in page has a script (its nonce'd countdown). */
export function page(title: string, heading: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>${heading}</header>
<main>
${body}
</main>
</body>
</html>
`;
}

export function htmlResponse(
  status: number,
  html: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(html, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      ...headers,
    },
  });
}
