import { API, ApiError, setCsrf } from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import { S, emit } from "../state";

/** Login form: POST /api/v1/login sets the session cookie and returns the CSRF token. */
export function loginView(root: HTMLElement, done: () => void): () => void {
  const user = h("input", { id: "login-user", name: "user", autocomplete: "username", required: true, autocapitalize: "none" });
  const pass = h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = h("p", { class: "error", role: "alert", "data-testid": "login-error" });
  const button = h("button", { type: "submit", class: "primary big" }, t("login.submit"));
  const form = h(
    "form",
    { class: "login panel-box", "data-testid": "login-form" },
    h("h1", null, t("login.title")),
    h("label", { for: "login-user" }, t("login.user")),
    user,
    h("label", { for: "login-pass" }, t("login.password")),
    pass,
    button,
    err,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    err.textContent = "";
    button.disabled = true;
    API.login(user.value.trim(), pass.value)
      .then((me) => {
        S.me = me;
        setCsrf(me.csrf);
        emit("me");
        done();
      })
      .catch((e: unknown) => {
        const st = e instanceof ApiError ? e.status : 0;
        err.textContent = st === 401 ? t("login.wrong") : st === 429 ? t("login.tooMany") : st === 0 ? t("error.network") : t("error.generic", { reason: (e as Error).message });
      })
      .finally(() => (button.disabled = false));
  });
  root.appendChild(form);
  user.focus();
  return () => undefined;
}
