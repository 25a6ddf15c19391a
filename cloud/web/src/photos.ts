/** Phone photos are 3–12 MB; the cloud keeps what a case file needs: the long edge at most this. */
const MAX_EDGE = 2048;
/** Files at most this size and edge go up as they are. */
const KEEP_BYTES = 1_000_000;
const JPEG_QUALITY = 0.85;

/**
 * A photo made small enough to upload over a weak phone connection: JPEG or PNG larger than
 * {@link KEEP_BYTES} or {@link MAX_EDGE} is redrawn as a JPEG with the long edge at most 2048 px.
 * PDFs, small images and anything the browser cannot decode go up unchanged.
 */
export async function compressPhoto(file: File): Promise<File> {
  if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return file;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file;
  }
  const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size <= KEEP_BYTES) {
    bitmap.close();
    return file;
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  if (!blob || blob.size >= file.size) return file;
  return new File([blob], `${file.name.replace(/\.\w+$/, '')}.jpg`, {
    type: 'image/jpeg',
    lastModified: file.lastModified,
  });
}

/** A preview the strict policy lets an `<img>` show (`img-src 'self' data:`). */
export function dataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
