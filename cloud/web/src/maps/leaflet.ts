import 'leaflet/dist/leaflet.css';
import { circle, circleMarker, geoJSON, layerGroup, map, polyline, tileLayer } from 'leaflet';

export type { LatLngExpression, Layer, LayerGroup, Map as LeafletMap } from 'leaflet';
// Only what the maps use; the chunk is loaded by the pages that draw a map.
export { circle, circleMarker, geoJSON, layerGroup, map, polyline, tileLayer };
