import { API } from "./api";
import { h, replace } from "./dom";
import { currentLang, setLang, t, timeOnly, ago } from "./i18n";
import { S, on, openCounts } from "./state";

/** Header: brand, navigation (with the open-alert count), language switch, user and logout. */
export function drawHeader(top: HTMLElement, route: string, logout: () => void): void {
  const c = openCounts(null);
  const open = c.critical + c.warn + c.info;
  const link = (name: string, href: string, key: string, extra?: HTMLElement | null) =>
    h("a", { href, class: "nav-link" + (route === name ? " on" : ""), "data-testid": `nav-${name}`, "aria-current": route === name ? "page" : null }, t(key), extra ?? null);
  const other = currentLang() === "zh-CN" ? "en" : "zh-CN";
  replace(
    top,
    h(
      "div",
      { class: "bar-top" },
      h("a", { class: "brand", href: "#/" }, t("app.name")),
      h(
        "div",
        { class: "top-right" },
        h("button", { type: "button", class: "lang", "data-testid": "lang-switch", lang: other, onclick: () => setLang(other) }, t("app.switchTo")),
        S.me ? h("span", { class: "who", "data-testid": "who" }, S.me.user, " · ", t(`role.${S.me.role}`)) : null,
        S.me ? h("button", { type: "button", class: "ghost", "data-testid": "logout", onclick: logout }, t("app.logout")) : null,
      ),
    ),
    S.me
      ? h(
          "nav",
          { class: "nav", "aria-label": t("nav.label") },
          link("overview", "#/", "nav.overview"),
          link("alerts", "#/alerts", "nav.alerts", open > 0 ? h("span", { class: "count" + (c.critical ? " count-critical" : ""), "data-testid": "alert-count" }, String(open)) : null),
          link("ledger", "#/ledger", "nav.ledger"),
          link("nodes", "#/nodes", "nav.nodes"),
          link("record", "#/record", "nav.record"),
        )
      : null,
  );
}

/** Grace before "connection lost" shows: a quick reconnect should not flash a banner. */
const GRACE_MS = 2000;

/**
 * The stale-data banner: shown while the live connection is down (with the time of the last
 * data) and while the gateway's store cannot commit. Text and icon, not only colour.
 */
export function startBanner(el: HTMLElement): () => void {
  let timer: number | null = null;
  const draw = () => {
    const lostFor = S.lostSince === null ? 0 : Date.now() - S.lostSince;
    const parts: HTMLElement[] = [];
    if (S.me && S.conn === "lost" && lostFor >= GRACE_MS)
      parts.push(h("p", { "data-testid": "banner-lost" }, "⚠ ", h("b", null, t("banner.lost")), " ", S.lastMessage ? t("banner.staleSince", { t: timeOnly(S.lastMessage), ago: ago(Date.now() - S.lastMessage) }) : t("banner.noData")));
    if (S.me && !S.storeOk) parts.push(h("p", { "data-testid": "banner-store" }, "✖ ", h("b", null, t("banner.store")), " ", S.storeReason ?? ""));
    el.hidden = parts.length === 0;
    el.className = parts.length ? "banner banner-bad" : "banner";
    replace(el, parts);
  };
  const off = on(["conn", "lang", "me"], draw);
  // Re-check every second: the grace period ends and "n s ago" moves on without any event.
  timer = window.setInterval(draw, 1000);
  draw();
  return () => {
    off();
    if (timer !== null) window.clearInterval(timer);
  };
}

export async function doLogout(): Promise<void> {
  await API.logout().catch(() => undefined);
}
