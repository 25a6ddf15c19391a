import 'leaflet/dist/leaflet.css';
import { canvas, circle, circleMarker, geoJSON, latLngBounds, layerGroup, map, polyline, tileLayer } from 'leaflet';

export type { CircleMarker, GeoJSON, LatLngExpression, Layer, LayerGroup, Map as LeafletMap, Path } from 'leaflet';
// Only what the maps use; the chunk is loaded by the pages that draw a map.
export { PinCanvas } from './pin-canvas.js';
export { canvas, circle, circleMarker, geoJSON, latLngBounds, layerGroup, map, polyline, tileLayer };
