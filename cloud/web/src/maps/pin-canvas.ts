import { DomUtil, Layer, type Map as LeafletMap } from 'leaflet';

/** One dot: where (WGS-84) and which of the layer's colours (drawn in colour order, the last on top). */
export interface Dot {
  lat: number;
  lon: number;
  colour: number;
}

/**
 * Thousands of dots on one canvas, redrawn whole after each pan or zoom. Leaflet's own canvas
 * renderer keeps an object per circle (projection, bounds, hit testing): for a district's 10,000
 * incidents that costs more to add than to draw. These dots are not interactive; the areas under
 * them carry the tooltips.
 */
export class PinCanvas extends Layer {
  private canvas: HTMLCanvasElement | undefined;
  private frame = 0;
  private readonly dots = new Map<string, Dot>();

  constructor(
    private readonly colours: readonly string[],
    /** Radius in CSS pixels by colour index; the last colours are ringed to stand out. */
    private readonly radius: (colour: number) => number,
  ) {
    super();
  }

  override onAdd(map: LeafletMap): this {
    const canvas = DomUtil.create('canvas', 'leaflet-zoom-hide pin-canvas') as HTMLCanvasElement;
    this.canvas = canvas;
    map.getPanes().overlayPane.appendChild(canvas);
    map.on('moveend zoomend resize viewreset', this.redraw, this);
    this.redraw();
    return this;
  }

  override onRemove(map: LeafletMap): this {
    map.off('moveend zoomend resize viewreset', this.redraw, this);
    cancelAnimationFrame(this.frame);
    this.canvas?.remove();
    this.canvas = undefined;
    return this;
  }

  /** Every dot anew. */
  setAll(dots: Iterable<[string, Dot]>): void {
    this.dots.clear();
    for (const [id, dot] of dots) this.dots.set(id, dot);
    this.redraw();
  }

  set(id: string, dot: Dot): void {
    this.dots.set(id, dot);
    this.redraw();
  }

  delete(id: string): void {
    if (this.dots.delete(id)) this.redraw();
  }

  get size(): number {
    return this.dots.size;
  }

  /** Draws at the next frame (several changes in one frame draw once). */
  redraw(): void {
    if (this.frame !== 0 || !this.canvas) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const map = this._map as LeafletMap | undefined;
    const canvas = this.canvas;
    if (!map || !canvas) return;
    const size = map.getSize();
    const ratio = window.devicePixelRatio || 1;
    // The canvas sits where the map's top-left corner is now; the pane moves it while panning.
    DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    canvas.width = size.x * ratio;
    canvas.height = size.y * ratio;
    canvas.style.width = `${size.x}px`;
    canvas.style.height = `${size.y}px`;
    const context = canvas.getContext('2d');
    if (!context) return;
    context.scale(ratio, ratio);
    for (let colour = 0; colour < this.colours.length; colour++) {
      const radius = this.radius(colour);
      const ringed = colour === this.colours.length - 1;
      context.beginPath();
      for (const dot of this.dots.values()) {
        if (dot.colour !== colour) continue;
        const point = map.latLngToContainerPoint([dot.lat, dot.lon]);
        if (point.x < -radius || point.y < -radius || point.x > size.x + radius || point.y > size.y + radius) continue;
        context.moveTo(point.x + radius, point.y);
        context.arc(point.x, point.y, radius, 0, 2 * Math.PI);
      }
      context.globalAlpha = 0.9;
      context.fillStyle = this.colours[colour] ?? '#888';
      context.fill();
      if (ringed) {
        context.globalAlpha = 1;
        context.lineWidth = 1;
        context.strokeStyle = '#ffd6d6';
        context.stroke();
      }
    }
  }
}
