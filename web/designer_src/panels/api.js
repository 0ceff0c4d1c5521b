// The process-design API (/api/v1/process-models/{key}/…) on the page's login session: the cookie goes along and
// the page's CSRF token in X-CSRFToken (a foreign site can send the cookie, never the token; logout ends both).
// Every answer comes back as {status, body, next}; callers decide what a 409 or a 422 means for them. `next` is the
// opaque cursor of a paged list's next page (its `Link: <…?after=…>; rel="next"`), null on the last page.

export function createApi({ api, csrfToken }) {
  async function call(method, path, body) {
    const headers = { "X-CSRFToken": csrfToken, Accept: "application/json" };
    const init = { method, headers, credentials: "same-origin" };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`${api}${path}`, init);
    } catch (error) {
      return { status: 0, body: { error: { message: "网络连接失败，请稍后再试" } } };
    }
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch (error) {
      parsed = { error: { message: `服务器返回了无法识别的内容（${response.status}）` } };
    }
    return { status: response.status, body: parsed, next: nextCursor(response.headers.get("Link")) };
  }
  return {
    get: (path) => call("GET", path),
    put: (path, body) => call("PUT", path, body),
    post: (path, body) => call("POST", path, body),
    del: (path) => call("DELETE", path),
  };
}

// The `after` of the Link header's rel="next" URL: the cursor as the server made it, never built here.
function nextCursor(link) {
  const match = /<([^>]*)>\s*;\s*rel="next"/.exec(link || "");
  return match ? new URL(match[1], window.location.href).searchParams.get("after") : null;
}

// The Chinese message of an error answer, with its fields when the API named them.
export function errorText(answer) {
  const error = (answer.body && answer.body.error) || {};
  const fields = Object.entries(error.fields || {}).map(([name, why]) => `${name}: ${why}`);
  return [error.message || `请求失败（${answer.status}）`, ...fields].join("；");
}
