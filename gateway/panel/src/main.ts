import "../styles.css";
import { API, setCsrf, setUnauthorizedHandler } from "./api";
import { clear } from "./dom";
import { currentLang, onLangChange, t } from "./i18n";
import { LiveClient } from "./live";
import { parseHash, go, type Route } from "./router";
import { S, emit, loadAlerts, loadFacilities, loadNodes, on } from "./state";
import { drawHeader, startBanner, doLogout } from "./shell";
import { loginView } from "./views/login";
import { overviewView } from "./views/overview";
import { facilityView } from "./views/facility";
import { alertsView, alertDetailView } from "./views/alerts";
import { ledgerView } from "./views/ledger";
import { nodesView } from "./views/nodes";
import { recordView } from "./views/record";

/**
 * The operator panel: hash routing between views, one live connection, zh-CN by default.
 * Boot: GET /me (session cookie) → load the state → connect the live feed; 401 → login.
 */
const top = document.getElementById("top")!;
const view = document.getElementById("view")!;
const banner = document.getElementById("banner")!;
const live = new LiveClient();
let unmount: () => void = () => undefined;
let route: Route = parseHash(location.hash);

function applyDocLang(): void {
  document.documentElement.lang = currentLang();
  document.title = t("app.title");
}

function render(): void {
  route = parseHash(location.hash);
  unmount();
  clear(view);
  window.scrollTo(0, 0);
  drawHeader(top, route.name === "alert" ? "alerts" : route.name, logout);
  if (!S.me) {
    unmount = loginView(view, () => void afterLogin());
    return;
  }
  const r = route;
  switch (r.name) {
    case "facility":
      unmount = facilityView(view, r.arg!, r.query);
      break;
    case "alerts":
      unmount = alertsView(view, r.query);
      break;
    case "alert":
      unmount = alertDetailView(view, r.arg!);
      break;
    case "ledger":
      unmount = ledgerView(view);
      break;
    case "nodes":
      unmount = nodesView(view);
      break;
    case "record":
      unmount = recordView(view, r.query);
      break;
    default:
      unmount = overviewView(view);
  }
  view.dataset.view = r.name;
}

async function loadAll(): Promise<void> {
  await Promise.all([loadFacilities(), loadAlerts(), loadNodes().catch(() => undefined)]);
}

async function afterLogin(): Promise<void> {
  try {
    await loadAll();
  } catch {
    /* shown per view; the live feed retries */
  }
  live.start();
  if (route.name === "login") go("#/");
  render();
}

function toLogin(): void {
  if (!S.me) return;
  S.me = null;
  setCsrf("");
  live.stop();
  emit("me");
  render();
}

function logout(): void {
  void doLogout().finally(toLogin);
}

async function boot(): Promise<void> {
  applyDocLang();
  onLangChange(() => {
    applyDocLang();
    emit("lang");
    // Every view is rebuilt in the new language (forms keep nothing worth more than that).
    render();
  });
  on(["alerts", "me"], () => drawHeader(top, route.name === "alert" ? "alerts" : route.name, logout));
  startBanner(banner);
  setUnauthorizedHandler(toLogin);
  window.addEventListener("hashchange", render);
  try {
    const me = await API.me();
    S.me = me;
    setCsrf(me.csrf);
    await afterLogin();
  } catch {
    render();
  }
  document.body.dataset.ready = "1";
}

void boot();
