// The map: Leaflet (vendored, global ``L``) with leaflet.markercluster for the stops. Routes are
// canvas polylines in their technician's colour and dash; stops are markers whose fill, shape
// and icon say the SLA light and whose border is the route's colour; overlapping stops are
// clustered at the current zoom. Tiles are drawn only when the server has
// DISPATCH_MAP_TILES_URL; otherwise the background is plain and says so, and nothing leaves
// this server. Planar x/y problems are drawn on Leaflet's CRS.Simple (metres); a problem with
// only a travel matrix has no coordinates and the map says that instead.

import { esc, sla } from "./format.js";
import { isDepotStop, pointOf, techName } from "./model.js";

/* global L */

// Markers name themselves for screen readers (Leaflet gives them role=button and tabindex).
const baseInitIcon = L.Marker.prototype._initIcon;
L.Marker.include({
  _initIcon() {
    baseInitIcon.call(this);
    const label = this.options.label || (this.options.icon && this.options.icon.options.label);
    if (this._icon && label) {
      this._icon.setAttribute("aria-label", label);
      if (!this.options.keyboard) this._icon.setAttribute("role", "img");
    }
  },
});

const SIZE = 22;
/** Days with fewer stops than this are not clustered. */
const CLUSTER_FROM = 150;

/** SVG of a marker shape: fill, border colour and an icon character. */
export function shapeSvg(shape, fill, stroke, icon, { dash = "", size = SIZE, iconColour = "#000" } = {}) {
  const s = size;
  const h = s / 2;
  const w = 3;
  let body;
  if (shape === "square") body = `<rect x="${w}" y="${w}" width="${s - 2 * w}" height="${s - 2 * w}"/>`;
  else if (shape === "diamond") body = `<path d="M${h} 1L${s - 1} ${h}L${h} ${s - 1}L1 ${h}z"/>`;
  else if (shape === "triangle") body = `<path d="M${h} 2L${s - 2} ${s - 3}H2z"/>`;
  else if (shape === "house") body = `<path d="M${h} 1L${s - 2} ${h - 1}V${s - 2}H2V${h - 1}z"/>`;
  else body = `<circle cx="${h}" cy="${h}" r="${h - w / 2 - 0.5}"/>`;
  const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
  return `<svg width="${s}" height="${s}" viewBox="0 0 ${s} ${s}" aria-hidden="true" focusable="false">` +
    `<g fill="${fill}" stroke="${stroke}" stroke-width="${w}"${dashAttr}>${body}</g>` +
    `<text x="${h}" y="${h + 4}" text-anchor="middle" font-size="${s * 0.5}" font-weight="700" fill="${iconColour}">${icon}</text></svg>`;
}

const view = {
  map: null,
  mode: null, // "geo" | "plane"
  problem: null,
  routesLayer: null,
  clusterLayer: null,
  selectedLayer: null,
  unservedLayer: null,
  staticLayer: null,
  pickLayer: null,
  tiles: null,
  lines: new Map(), // route key -> polyline
  markers: new Map(), // order id -> marker (clustered)
  model: null,
  handlers: {},
  pick: null,
};

/** Leaflet's [lat, lng] of a point: lat/lon, or y/x on the plane (CRS.Simple). */
function latLng(p) {
  return [p.b, p.a];
}

function allPoints(model) {
  const points = [];
  for (const order of model.orders.values()) {
    const p = pointOf(order.location);
    if (p) points.push(p);
  }
  for (const tech of model.technicians.values()) {
    const p = pointOf(tech.doc.start);
    if (p) points.push(p);
  }
  return points;
}

function createMap(container, mode, config) {
  if (view.map) {
    view.map.remove();
    view.map = null;
  }
  container.innerHTML = "";
  const options = { preferCanvas: true, zoomSnap: 0.25, keyboard: true, attributionControl: true };
  if (mode === "plane") Object.assign(options, { crs: L.CRS.Simple, minZoom: -20, maxZoom: 8 });
  else Object.assign(options, { minZoom: 2, maxZoom: 19 });
  const map = L.map(container, options);
  map.attributionControl.setPrefix("Leaflet");
  view.tiles = null;
  if (mode === "geo" && config.map_tiles_url) {
    view.tiles = L.tileLayer(config.map_tiles_url, { attribution: esc(config.map_tiles_attribution || ""), maxZoom: 19 }).addTo(map);
    container.classList.remove("no-tiles");
  } else {
    container.classList.add("no-tiles");
    const note = L.control({ position: "bottomright" });
    note.onAdd = () => {
      const el = L.DomUtil.create("div", "map-note");
      el.textContent = mode === "plane"
        ? "Planar x/y problem: positions in metres, no map tiles."
        : "Plain background: no map tiles configured (DISPATCH_MAP_TILES_URL).";
      return el;
    };
    note.addTo(map);
  }
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  const fit = L.control({ position: "topleft" });
  fit.onAdd = () => {
    const el = L.DomUtil.create("div", "leaflet-bar map-fit");
    el.innerHTML = '<button type="button" id="map-fit" title="Fit the map to the selection (or to every shown route)" aria-label="Fit to selection">⤢</button>';
    L.DomEvent.disableClickPropagation(el);
    el.firstChild.addEventListener("click", () => fitSelection());
    return el;
  };
  fit.addTo(map);
  map.createPane("selected").style.zIndex = 640;
  view.routesLayer = L.layerGroup().addTo(map);
  view.staticLayer = L.layerGroup().addTo(map);
  view.unservedLayer = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 30,
    iconCreateFunction: (cluster) => {
      const n = cluster.getChildCount();
      return L.divIcon({ className: "cluster-icon", html: `<div class="cluster unserved-cluster"><b>?${n}</b></div>`, iconSize: [32, 32], label: `${n} unserved orders; zoom in or press Enter to expand` });
    },
  }).addTo(map);
  view.clusterLayer = L.markerClusterGroup({
    chunkedLoading: true,
    showCoverageOnHover: false,
    maxClusterRadius: 36,
    spiderfyOnMaxZoom: true,
    iconCreateFunction: clusterIcon,
  }).addTo(map);
  view.plainLayer = L.layerGroup().addTo(map);
  view.selectedLayer = L.layerGroup().addTo(map);
  view.pickLayer = L.layerGroup().addTo(map);
  map.on("click", (e) => {
    if (view.pick) {
      const fn = view.pick;
      view.pick = null;
      container.classList.remove("picking");
      const location = mode === "geo" ? { lat: round(e.latlng.lat, 6), lon: round(e.latlng.lng, 6) } : { x: round(e.latlng.lng, 1), y: round(e.latlng.lat, 1) };
      view.pickLayer.clearLayers();
      L.marker(e.latlng, { icon: pinIcon(), keyboard: false, interactive: false }).addTo(view.pickLayer);
      fn(location);
    }
  });
  view.map = map;
  view.mode = mode;
  window.dispatchMap = map; // for the browser tests and the console's own measurements
  return map;
}

function round(v, digits) {
  return Number(v.toFixed(digits));
}

function pinIcon() {
  return L.divIcon({ className: "pick-icon", html: shapeSvg("triangle", "#fff", "#000", "+", { size: 26 }), iconSize: [26, 26] });
}

function clusterIcon(cluster) {
  const children = cluster.getAllChildMarkers();
  let red = 0;
  let yellow = 0;
  for (const m of children) {
    if (m.options.sla === "red") red += 1;
    else if (m.options.sla === "yellow") yellow += 1;
  }
  const n = children.length;
  const size = n < 10 ? 30 : n < 100 ? 36 : 42;
  const badges = `${red ? `<span class="badge red">✕${red}</span>` : ""}${yellow ? `<span class="badge yellow">!${yellow}</span>` : ""}`;
  const words = `${n} stops${red ? `, ${red} breached` : ""}${yellow ? `, ${yellow} with a small margin` : ""}; zoom in or press Enter to expand`;
  return L.divIcon({
    className: "cluster-icon",
    html: `<div class="cluster" data-count="${n}"><b>${n}</b>${badges}</div>`,
    iconSize: [size, size],
    label: words,
  });
}

function stopIcon(model, orderId, at, highlight, flagged, pinned) {
  const tech = model.technicians.get(at.route.technician_id);
  const status = at.stop.sla_status || "none";
  const light = sla(status);
  const classes = ["stop", `sla-${status}`];
  if (highlight.has(orderId)) classes.push("moved");
  if (flagged.has(orderId)) classes.push("violated");
  if (pinned) classes.push("pinned");
  const crew = at.stop.crew && at.stop.crew.length > 1;
  if (crew) classes.push("crew");
  const html = `<div class="${classes.join(" ")}" data-order="${esc(orderId)}" data-route="${esc(at.route.key)}">` +
    `${shapeSvg(light.shape, light.colour, tech ? tech.colour : "#333", light.icon)}<span class="num">${at.number}</span>` +
    `${pinned ? '<span class="pin" aria-hidden="true">⚲</span>' : ""}</div>`;
  const who = tech ? techName(tech, at.route.technician_id) : at.route.technician_id;
  const label = `${orderId}: stop ${at.number} of ${who} (route ${tech ? tech.label : "?"}), ${light.text}${crew ? `, crew ${at.stop.crew.join(" and ")}` : ""}${pinned ? ", pinned" : ""}`;
  return L.divIcon({ className: "stop-icon", html, iconSize: [SIZE, SIZE], label });
}

function unservedIcon(orderId, order, highlight) {
  const html = `<div class="unserved-marker${highlight.has(orderId) ? " moved" : ""}" data-order="${esc(orderId)}">` +
    `${shapeSvg("triangle", "#ffffff", "#000", "?", { dash: "3 2" })}</div>`;
  return L.divIcon({ className: "stop-icon", html, iconSize: [SIZE, SIZE], label: `${orderId}: unserved ${order.priority || "P3"}` });
}

/**
 * Draw ``model`` on the map in ``container``. ``ui``: {config, highlight, flagged, hidden (Set
 * of technician ids), selectedRoute (key or null), pinned (Set of order ids), keepView}.
 * Returns the number of stop markers.
 */
export function drawMap(container, model, ui) {
  const points = allPoints(model);
  if (!points.length) {
    if (view.map) {
      view.map.remove();
      view.map = null;
    }
    view.mode = null;
    container.innerHTML = '<p class="map-empty" role="note">This problem has no coordinates (a travel matrix only): there is no map to draw. The timeline and the lists show the whole plan.</p>';
    return 0;
  }
  const mode = points[0].geo ? "geo" : "plane";
  const fresh = !view.map || view.mode !== mode || view.problem !== ui.dayId || (ui.config.map_tiles_url || null) !== view.tilesUrl;
  if (fresh) {
    createMap(container, mode, ui.config);
    view.tilesUrl = ui.config.map_tiles_url || null;
  }
  view.problem = ui.dayId;
  view.model = model;
  view.ui = ui;
  view.routesLayer.clearLayers();
  view.staticLayer.clearLayers();
  view.unservedLayer.clearLayers();
  view.clusterLayer.clearLayers();
  view.plainLayer.clearLayers();
  view.selectedLayer.clearLayers();
  view.lines.clear();
  view.markers.clear();
  const selected = ui.selectedRoute;
  const clustered = [];
  for (const route of model.routes) {
    const tech = model.technicians.get(route.technician_id);
    if (!tech || ui.hidden.has(route.technician_id)) continue;
    if (ui.day !== null && ui.day !== undefined && route.day !== ui.day) continue;
    const path = [];
    const start = pointOf(tech.doc.start);
    if (start) path.push(latLng(start));
    for (const stop of route.stops) {
      const loc = isDepotStop(stop)
        ? model.depots.get(stop.depot_id) && model.depots.get(stop.depot_id).location
        : model.orders.get(stop.work_order_id) && model.orders.get(stop.work_order_id).location;
      const p = pointOf(loc);
      if (p) path.push(latLng(p));
    }
    const end = pointOf(tech.doc.end) || start;
    if (end && route.stops.length) path.push(latLng(end));
    const isSel = selected === route.key;
    const line = L.polyline(path, {
      color: tech.colour,
      dashArray: tech.dash || null,
      weight: isSel ? 5 : 2.5,
      opacity: selected && !isSel ? 0.15 : 0.85,
      pane: isSel ? "selected" : "overlayPane",
      interactive: true,
    });
    line.bindTooltip(`Route ${tech.label}: ${esc(techName(tech, route.technician_id))} (${esc(route.technician_id)}, shift ${route.shift_index + 1})`, { sticky: true });
    line.on("click", () => view.handlers.selectRoute && view.handlers.selectRoute(route.key));
    line.addTo(view.routesLayer);
    view.lines.set(route.key, line);
    route.stops.forEach((stop) => {
      if (isDepotStop(stop)) return;
      const id = stop.work_order_id;
      const at = model.stopsOf.get(id).find((a) => a.route === route);
      if (view.markers.has(id)) return; // crew orders: one marker, in the first member's route
      const order = model.orders.get(id);
      const p = order && pointOf(order.location);
      if (!p) return;
      const marker = L.marker(latLng(p), {
        icon: stopIcon(model, id, at, ui.highlight, ui.flagged, ui.pinned.has(id)),
        sla: stop.sla_status || "none",
        keyboard: true,
        riseOnHover: true,
        pane: isSel ? "selected" : "markerPane",
      });
      marker.on("click", () => view.handlers.selectOrder && view.handlers.selectOrder(id));
      view.markers.set(id, marker);
      if (isSel) marker.addTo(view.selectedLayer);
      else clustered.push(marker);
    });
  }
  // a small day is drawn stop by stop; clusters are for days where stops hide each other
  if (clustered.length >= CLUSTER_FROM) view.clusterLayer.addLayers(clustered);
  else for (const m of clustered) m.addTo(view.plainLayer);
  container.classList.toggle("dimmed", Boolean(selected));
  const unserved = [];
  for (const id of model.unassigned.keys()) {
    const order = model.orders.get(id);
    const p = order && pointOf(order.location);
    if (!p) continue;
    const m = L.marker(latLng(p), { icon: unservedIcon(id, order, ui.highlight), keyboard: true });
    m.on("click", () => view.handlers.selectOrder && view.handlers.selectOrder(id));
    unserved.push(m);
  }
  const many = model.technicians.size > 200; // past that, starts are canvas dots, not DOM markers
  view.unservedLayer.addLayers(unserved);
  for (const tech of model.technicians.values()) {
    const p = pointOf(tech.doc.start);
    if (!p || ui.hidden.has(tech.doc.id)) continue;
    if (many) {
      L.circleMarker(latLng(p), { radius: 4, color: "#000", weight: 1.5, fillColor: tech.colour, fillOpacity: 1, interactive: false }).addTo(view.staticLayer);
      continue;
    }
    L.marker(latLng(p), {
      icon: L.divIcon({ className: "tech-start", html: shapeSvg("house", tech.colour, "#fff", "", { size: 16 }), iconSize: [16, 16], label: `Start of ${techName(tech, tech.doc.id)} (route ${tech.label})` }),
      keyboard: false,
      interactive: false,
    }).addTo(view.staticLayer);
  }
  for (const depot of model.depots.values()) {
    const p = pointOf(depot.location);
    if (!p) continue;
    L.marker(latLng(p), {
      icon: L.divIcon({ className: "depot-icon", html: `<div class="depot" data-depot="${esc(depot.id)}">${shapeSvg("square", "#1d2430", "#fff", "D", { size: 22, iconColour: "#fff" })}</div>`, iconSize: [22, 22], label: `Depot ${depot.id}` }),
      keyboard: true,
    }).addTo(view.staticLayer);
  }
  if (fresh || !ui.keepView) fitAll();
  return view.markers.size;
}

function boundsOf(latlngs) {
  return latlngs.length ? L.latLngBounds(latlngs) : null;
}

/** Fit to every shown route and unserved order. */
export function fitAll() {
  if (!view.map) return;
  const pts = [];
  for (const line of view.lines.values()) pts.push(...line.getLatLngs());
  view.unservedLayer.eachLayer((m) => pts.push(m.getLatLng()));
  if (!pts.length && view.model) for (const p of allPoints(view.model)) pts.push(latLng(p));
  const b = boundsOf(pts);
  if (b) view.map.fitBounds(b, { padding: [20, 20], animate: false });
}

/** Fit to the selected order, else the selected route, else every shown route. */
export function fitSelection(orderId = view.handlers.selectedOrder && view.handlers.selectedOrder()) {
  if (!view.map) return;
  const order = orderId && view.model && view.model.orders.get(orderId);
  const p = order && pointOf(order.location);
  if (p) {
    view.map.setView(latLng(p), Math.max(view.map.getZoom(), view.mode === "geo" ? 15 : view.map.getZoom() + 2), { animate: false });
    const m = view.markers.get(orderId);
    if (m && view.clusterLayer.hasLayer(m)) view.clusterLayer.zoomToShowLayer(m, () => {});
    return;
  }
  const key = view.ui && view.ui.selectedRoute;
  const line = key && view.lines.get(key);
  if (line && line.getLatLngs().length) {
    view.map.fitBounds(line.getBounds(), { padding: [30, 30], animate: false });
    return;
  }
  fitAll();
}

/** Who handles clicks on routes and stops, and which order is selected. */
export function setMapHandlers(handlers) {
  view.handlers = handlers;
}

/** The next click on the map gives ``fn`` a location (lat/lon or x/y). */
export function pickLocation(fn) {
  if (!view.map) return false;
  view.pick = fn;
  view.map.getContainer().classList.add("picking");
  return true;
}

/** Forget the picked location's marker. */
export function clearPick() {
  if (view.pickLayer) view.pickLayer.clearLayers();
}

function segDistance(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/**
 * The shown route under the screen point (within 14 px) and where ``orderId`` would go in it
 * (the position of least detour); null when no route is near.
 */
export function routeAt(clientX, clientY, orderId) {
  if (!view.map) return null;
  const box = view.map.getContainer().getBoundingClientRect();
  if (clientX < box.left || clientX > box.right || clientY < box.top || clientY > box.bottom) return null;
  const p = L.point(clientX - box.left, clientY - box.top);
  let best = null;
  for (const [key, line] of view.lines) {
    const pts = line.getLatLngs().map((ll) => view.map.latLngToContainerPoint(ll));
    for (let i = 1; i < pts.length; i++) {
      const d = segDistance(p, pts[i - 1], pts[i]);
      if (d <= 14 && (!best || d < best.d)) best = { key, d };
    }
  }
  if (!best) return null;
  const route = view.model.routeByKey.get(best.key);
  const order = view.model.orders.get(orderId);
  const o = order && pointOf(order.location);
  let position = route.stops.length;
  if (o) {
    const tech = view.model.technicians.get(route.technician_id);
    const loc = (s) => (isDepotStop(s) ? view.model.depots.get(s.depot_id)?.location : view.model.orders.get(s.work_order_id)?.location);
    const seq = [pointOf(tech.doc.start), ...route.stops.map((s) => pointOf(loc(s))), pointOf(tech.doc.end) || pointOf(tech.doc.start)];
    const d = (a, b) => (a && b ? Math.hypot(a.a - b.a, a.b - b.b) : 0);
    let bestCost = Infinity;
    for (let i = 0; i < seq.length - 1; i++) {
      const cost = d(seq[i], o) + d(o, seq[i + 1]) - d(seq[i], seq[i + 1]);
      if (cost < bestCost) {
        bestCost = cost;
        position = i;
      }
    }
  }
  return { key: best.key, position };
}

/** What the map shows, for the browser tests: markers, clusters, lines and their styles. */
export function mapInfo() {
  if (!view.map) return { mode: view.mode, markers: 0 };
  const lines = {};
  for (const [key, line] of view.lines) lines[key] = { colour: line.options.color, dash: line.options.dashArray, opacity: line.options.opacity, weight: line.options.weight };
  return {
    mode: view.mode,
    zoom: view.map.getZoom(),
    center: view.map.getCenter(),
    markers: view.markers.size,
    clustered: view.clusterLayer.getLayers().length,
    selected: view.selectedLayer.getLayers().length,
    unserved: view.unservedLayer.getLayers().length,
    day: view.ui ? view.ui.day : null,
    tiles: Boolean(view.tiles),
    lines,
  };
}

/** Zoom the map so that the stop of ``orderId`` is a marker of its own (out of any cluster). */
export function revealOrder(orderId) {
  const m = view.markers.get(orderId);
  if (!m) return Promise.resolve(false);
  if (!view.clusterLayer.hasLayer(m)) return Promise.resolve(true);
  return new Promise((resolve) => view.clusterLayer.zoomToShowLayer(m, () => resolve(true)));
}
