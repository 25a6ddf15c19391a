/**
 * Scanning a checkpoint's QR code with the camera where the browser has the Barcode Detection API
 * (Chrome on Android); elsewhere the page offers the typed code only.
 */
interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorClass = new (options?: { formats?: string[] }) => BarcodeDetectorLike;

const detectorClass = (): BarcodeDetectorClass | undefined =>
  (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;

export const scanSupported = (): boolean =>
  detectorClass() !== undefined && typeof navigator.mediaDevices?.getUserMedia === 'function';

/** Shows the back camera in `video` until a code is read (its text) or `stop` is called (undefined). */
export function scanTag(video: HTMLVideoElement): { code: Promise<string | undefined>; stop: () => void } {
  let stopped = false;
  let stream: MediaStream | undefined;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    for (const track of stream?.getTracks() ?? []) track.stop();
    video.srcObject = null;
    wake?.();
  };
  const code = (async () => {
    const Detector = detectorClass();
    if (!Detector) return undefined;
    const detector = new Detector({ formats: ['qr_code', 'code_128', 'data_matrix'] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    if (stopped) {
      stop();
      return undefined;
    }
    video.srcObject = stream;
    await video.play();
    try {
      while (!stopped) {
        const found = await detector.detect(video).catch(() => []);
        const text = found[0]?.rawValue;
        if (text) return text;
        // A few looks a second are enough and leave the phone cool.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 250);
        });
      }
      return undefined;
    } finally {
      stop();
    }
  })();
  return { code, stop };
}
