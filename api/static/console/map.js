// The map: routes as SVG polylines on a projected plane (Web Mercator for lat/lon, the plane
// itself for x/y metres), with a scale bar. Tiles are drawn under it only when the server is
// configured with DISPATCH_MAP_TILES_URL; without them nothing leaves this server.

import { esc, SLA } from "./format.js";
import { pointOf } from "./model.js";

export const WIDTH = 1000;
export const HEIGHT = 620;
const PAD = 28;
const EARTH_M = 40075016.686; // metres per 256 world units at the equator
const TILE = 256;

function mercator(lon, lat) {
  const phi = (Math.max(-85, Math.min(85, lat)) * Math.PI) / 180;
  return [((lon + 180) / 360) * TILE, ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * TILE];
}

/** A projection fitted to the points: world → screen, metres per screen pixel, tiles zoom. */
function projection(points) {
  const geo = points.length > 0 && points[0].geo;
  const world = points.map((p) => (geo ? mercator(p.a, p.b) : [p.a, -p.b]));
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of world) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const span = Math.max(x1 - x0, y1 - y0, geo ? 1e-4 : 100);
  const k = Math.min((WIDTH - 2 * PAD) / Math.max(x1 - x0, span * 0.05), (HEIGHT - 2 * PAD) / Math.max(y1 - y0, span * 0.05));
  const ox = (x0 + x1) / 2 - WIDTH / 2 / k;
  const oy = (y0 + y1) / 2 - HEIGHT / 2 / k;
  const midLat = geo ? points.reduce((s, p) => s + p.b, 0) / points.length : 0;
  const metresPerPx = geo ? ((EARTH_M / TILE) * Math.cos((midLat * Math.PI) / 180)) / k : 1 / k;
  const project = (p) => {
    const [x, y] = geo ? mercator(p.a, p.b) : [p.a, -p.b];
    return [(x - ox) * k, (y - oy) * k];
  };
  return { geo, k, ox, oy, metresPerPx, project };
}

function niceLength(metres) {
  const power = 10 ** Math.floor(Math.log10(metres));
  for (const step of [5, 2, 1]) if (step * power <= metres) return step * power;
  return power;
}

function scaleBar(metresPerPx) {
  const metres = niceLength(metresPerPx * 140);
  const px = metres / metresPerPx;
  const label = metres >= 1000 ? `${metres / 1000} km` : `${metres} m`;
  const x = 20;
  const y = HEIGHT - 22;
  return `<g class="scale-bar" aria-label="Scale: ${label}"><rect x="${x - 6}" y="${y - 18}" width="${px + 12}" height="30" rx="4"/>` +
    `<path d="M${x} ${y - 6}V${y}H${x + px}V${y - 6}"/><text x="${x + px / 2}" y="${y - 6}">${label}</text></g>`;
}

function tiles(proj, url) {
  const z = Math.max(0, Math.min(19, Math.round(Math.log2(proj.k))));
  const n = 2 ** z;
  const size = (TILE * proj.k) / n;
  const txFrom = Math.floor((proj.ox * n) / TILE);
  const txTo = Math.floor(((proj.ox + WIDTH / proj.k) * n) / TILE);
  const tyFrom = Math.max(0, Math.floor((proj.oy * n) / TILE));
  const tyTo = Math.min(n - 1, Math.floor(((proj.oy + HEIGHT / proj.k) * n) / TILE));
  let out = '<g class="tiles">';
  for (let tx = txFrom; tx <= txTo; tx++) {
    for (let ty = tyFrom; ty <= tyTo; ty++) {
      const href = url.replace("{z}", z).replace("{x}", ((tx % n) + n) % n).replace("{y}", ty);
      const x = ((tx * TILE) / n - proj.ox) * proj.k;
      const y = ((ty * TILE) / n - proj.oy) * proj.k;
      out += `<image href="${esc(href)}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${size.toFixed(1)}" height="${size.toFixed(1)}"/>`;
    }
  }
  return `${out}</g>`;
}

function marker(status, x, y, r) {
  const shape = (SLA[status] || SLA.none).shape;
  if (shape === "square") return `<rect x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}"/>`;
  if (shape === "diamond") {
    const d = r * 1.3;
    return `<path d="M${x.toFixed(1)} ${(y - d).toFixed(1)}l${d} ${d}l${-d} ${d}l${-d} ${-d}z"/>`;
  }
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}"/>`;
}

/**
 * The map's SVG markup for ``model``: one ``.route-line`` per route, a ``.stop`` per served
 * order (numbered, SLA colour and shape), a hollow ``.unserved-marker`` per unserved order,
 * the technicians' start points and a scale bar. ``highlight`` is a Set of order ids drawn
 * with a ring (re-plan moves, manual moves).
 */
export function mapSvg(model, config, highlight, flagged) {
  const points = [];
  for (const order of model.orders.values()) {
    const p = pointOf(order.location);
    if (p) points.push(p);
  }
  for (const tech of model.technicians.values()) {
    const p = pointOf(tech.doc.start);
    if (p) points.push(p);
  }
  if (!points.length) {
    return `<svg viewBox="0 0 ${WIDTH} 120" role="img" aria-label="No map"><text x="20" y="60" class="map-note">` +
      "This problem has no coordinates (travel matrix): no map to draw.</text></svg>";
  }
  const proj = projection(points);
  const r = model.orders.size > 500 ? 4.5 : 8;
  const font = r > 5 ? 9 : 5.5;
  let lines = "";
  let stops = "";
  for (const route of model.routes) {
    const tech = model.technicians.get(route.technician_id);
    if (!tech) continue;
    const path = [];
    const start = pointOf(tech.doc.start);
    if (start) path.push(proj.project(start));
    const here = [];
    route.stops.forEach((stop, i) => {
      const order = model.orders.get(stop.work_order_id);
      const p = order && pointOf(order.location);
      if (!p) return;
      const [x, y] = proj.project(p);
      path.push([x, y]);
      here.push([x, y, stop, i]);
    });
    const end = pointOf(tech.doc.end);
    if (end && route.stops.length) path.push(proj.project(end));
    const d = path.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`).join("");
    lines += `<path class="route-line" data-route="${esc(route.key)}" d="${d}" stroke="${tech.colour}"/>`;
    for (const [x, y, stop, i] of here) {
      const status = stop.sla_status || "none";
      const ring = highlight && highlight.has(stop.work_order_id) ? " moved" : "";
      const warn = flagged && flagged.has(stop.work_order_id) ? " violated" : "";
      stops += `<g class="stop sla-${status}${ring}${warn}" data-order="${esc(stop.work_order_id)}" stroke="${tech.colour}">` +
        `${marker(status, x, y, r)}<text x="${x.toFixed(1)}" y="${(y + font / 3).toFixed(1)}" font-size="${font}">${i + 1}</text></g>`;
    }
  }
  let depots = "";
  for (const tech of model.technicians.values()) {
    const p = pointOf(tech.doc.start);
    if (!p) continue;
    const [x, y] = proj.project(p);
    depots += `<path class="tech-start" d="M${x.toFixed(1)} ${(y - 6).toFixed(1)}l5 9h-10z" fill="${tech.colour}"><title>${esc(tech.doc.id)} start</title></path>`;
  }
  let unserved = "";
  for (const id of model.unassigned.keys()) {
    const order = model.orders.get(id);
    const p = order && pointOf(order.location);
    if (!p) continue;
    const [x, y] = proj.project(p);
    unserved += `<circle class="unserved-marker" data-order="${esc(id)}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}"/>`;
  }
  const background = config.map_tiles_url && proj.geo ? tiles(proj, config.map_tiles_url) : "";
  const credit = background && config.map_tiles_attribution
    ? `<text class="attribution" x="${WIDTH - 6}" y="${HEIGHT - 6}">${esc(config.map_tiles_attribution)}</text>`
    : "";
  return `<svg id="map-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Map of ${model.routes.length} routes; details in the timeline and lists">` +
    `<rect class="map-bg" width="${WIDTH}" height="${HEIGHT}"/>${background}` +
    `<g class="routes">${lines}</g><g class="depots">${depots}</g><g class="unserved">${unserved}</g><g class="stops">${stops}</g>` +
    `${scaleBar(proj.metresPerPx)}${credit}</svg>`;
}
