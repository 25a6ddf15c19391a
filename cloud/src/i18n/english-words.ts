/**
 * Words allowed in zh-CN text: proper names, codes, file formats, units and the names of the HTTP
 * protocol a detail quotes. Anything with a digit is an id (case numbers INC-…, device ids
 * smoke-b3-u2-0401, gateway ids) and passes too, as do problem codes GL_…, and identifiers:
 * snake_case names, dotted codes and paths (substitute_user_id, uplink.cert_file, application/json).
 */
const ALLOWED = new Set([
  'IoT',
  'JSON',
  'API',
  'KPI',
  'SMS',
  'JPEG',
  'PNG',
  'WebP',
  'PDF',
  'MiB',
  // The units of the device profiles' readings (°C, %RH, %LEL, kPa, dBm, cm, L).
  'C',
  'RH',
  'LEL',
  'kPa',
  'dBm',
  'cm',
  'L',
  'CSV',
  'GeoJSON',
  'FeatureCollection',
  'Excel',
  'Authorization',
  'Bearer',
  'GET',
  'PUT',
  'POST',
  'PATCH',
  'DELETE',
]);

/** The English words of `text`: tokens of Latin letters that are neither ids, identifiers nor allowed names. */
export function englishWords(text: string): string[] {
  return (text.match(/[A-Za-z0-9_.@/-]*[A-Za-z][A-Za-z0-9_.@/-]*/g) ?? []).filter(
    (token) =>
      !/\d/.test(token) && !/^GL_[A-Z_]+$/.test(token) && !/[A-Za-z][_./][A-Za-z]/.test(token) && !ALLOWED.has(token),
  );
}
