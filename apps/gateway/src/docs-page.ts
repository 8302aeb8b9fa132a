function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

type Json = Record<string, unknown>;

function schemaText(schema: unknown): string {
  return escapeHtml(JSON.stringify(schema, null, 2) ?? '');
}

/**
 * The API reference page: self-contained HTML rendered on the server from the OpenAPI document. No
 * scripts and nothing fetched from elsewhere (the page's CSP forbids it).
 */
export function renderDocsPage(openapi: Json): string {
  const info = (openapi.info ?? {}) as Json;
  const paths = (openapi.paths ?? {}) as Record<string, Record<string, Json>>;
  const schemas = ((openapi.components as Json | undefined)?.schemas ?? {}) as Record<string, unknown>;
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = ((op.parameters ?? []) as Json[])
        .map(
          (p) =>
            `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td><td>${p.required === true ? 'yes' : 'no'}</td><td>${escapeHtml(String((p.schema as Json | undefined)?.description ?? p.description ?? ''))}</td></tr>`,
        )
        .join('');
      const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      const bodies = Object.entries(body ?? {})
        .map(
          ([type, media]) =>
            `<p>Body <code>${escapeHtml(type)}</code></p><pre>${schemaText(media.schema)}</pre>`,
        )
        .join('');
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
        .map(([status, r]) => {
          const content = Object.entries((r.content ?? {}) as Record<string, Json>)
            .map(([type, media]) => `<code>${escapeHtml(type)}</code> <pre>${schemaText(media.schema)}</pre>`)
            .join('');
          return `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(String(r.description ?? ''))} ${content}</li>`;
        })
        .join('');
      sections.push(`<section id="${escapeHtml(`${method}-${path}`)}">
<h2><span class="m">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(String(op.summary ?? ''))}</p><p>${escapeHtml(String(op.description ?? ''))}</p>
${params === '' ? '' : `<table><tr><th>parameter</th><th>in</th><th>required</th><th>about</th></tr>${params}</table>`}
${bodies}<ul>${responses}</ul></section>`);
    }
  }
  const models = Object.entries(schemas)
    .map(
      ([name, s]) => `<h3 id="model-${escapeHtml(name)}">${escapeHtml(name)}</h3><pre>${schemaText(s)}</pre>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(String(info.title ?? 'API'))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
pre{background:#f4f4f4;padding:.5rem;overflow:auto;font-size:.85rem}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}.m{background:#223;color:#fff;padding:0 .4rem;border-radius:3px}</style>
</head><body><h1>${escapeHtml(String(info.title ?? 'API'))} <small>${escapeHtml(String(info.version ?? ''))}</small></h1>
<p>${escapeHtml(String(info.description ?? ''))}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors: <code>{"error":{"code","message"}}</code>, codes in docs/errors.md.</p>
${sections.join('\n')}<h2>Schemas</h2>${models}</body></html>
`;
}
