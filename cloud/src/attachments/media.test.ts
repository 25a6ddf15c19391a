import { describe, expect, it } from 'vitest';
import { acceptedMediaType, contentDisposition, sniffMediaType } from './media.js';

describe('attachment media types', () => {
  it('are read from the content’s first bytes', () => {
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0, 0]))).toBe('image/jpeg');
    expect(sniffMediaType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffMediaType(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]))).toBe(
      'image/webp',
    );
    expect(sniffMediaType(Buffer.from('%PDF-1.4\n'))).toBe('application/pdf');
    expect(sniffMediaType(Buffer.from('<svg onload="alert(1)"/>'))).toBeUndefined();
    expect(sniffMediaType(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')]))).toBeUndefined();
    expect(sniffMediaType(Buffer.alloc(0))).toBeUndefined();
  });

  it('are taken from Content-Type only among the accepted kinds', () => {
    expect(acceptedMediaType('Image/PNG; charset=binary')).toBe('image/png');
    expect(acceptedMediaType('image/svg+xml')).toBeUndefined();
    expect(acceptedMediaType(undefined)).toBeUndefined();
  });

  it('name the file for old and new clients, photos inline and documents as downloads', () => {
    expect(contentDisposition('image/jpeg', '现场 "照片".jpg')).toBe(
      `inline; filename="__ ____.jpg"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%20%22%E7%85%A7%E7%89%87%22.jpg`,
    );
    expect(contentDisposition('application/pdf', "report (1)'s.pdf")).toBe(
      `attachment; filename="report (1)'s.pdf"; filename*=UTF-8''report%20%281%29%27s.pdf`,
    );
  });
});
