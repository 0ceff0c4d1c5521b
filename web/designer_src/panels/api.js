// The process-design API (/api/v1/process-models/{key}/…) with the bearer token the page was given.
// Every answer comes back as {status, body}; callers decide what a 409 or a 422 means for them.

export function createApi({ api, token }) {
  async function call(method, path, body) {
    const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    const init = { method, headers, credentials: "omit" };
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
    return { status: response.status, body: parsed };
  }
  return {
    get: (path) => call("GET", path),
    put: (path, body) => call("PUT", path, body),
    post: (path, body) => call("POST", path, body),
    del: (path) => call("DELETE", path),
  };
}

// The Chinese message of an error answer, with its fields when the API named them.
export function errorText(answer) {
  const error = (answer.body && answer.body.error) || {};
  const fields = Object.entries(error.fields || {}).map(([name, why]) => `${name}: ${why}`);
  return [error.message || `请求失败（${answer.status}）`, ...fields].join("；");
}
