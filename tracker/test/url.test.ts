import { describe, expect, it } from 'vitest';
import { clean } from '../src/url';

// clean() removes each personal parameter with the "&" after it; a separator left dangling ("?id=7&",
// "?#top", a lone "#") is tidied by the collector (worker/routes/ingest.test.ts, "tidies the
// separators"), so the expectations below are the raw text the browser sends.
describe('clean (personal data out of URLs)', () => {
  it.each([
    'email',
    'E-Mail',
    'mail',
    'customer_email',
    'phone',
    'Tel',
    'telephone',
    'token',
    'access_token',
    'password',
    'PASS',
    'passwd',
    'pwd',
    'key',
    'api_key',
    'auth',
    'authorization',
    'session',
    'sessionid',
    'client_secret',
    'card',
    'card_number',
    'name',
    'first_name',
  ])('removes the parameter %s', (k) => {
    expect(clean(`https://shop.example/p?id=7&${k}=x&lang=pl`)).toBe('https://shop.example/p?id=7&lang=pl');
    expect(clean(`https://shop.example/p?${k}=x&lang=pl`)).toBe('https://shop.example/p?lang=pl');
    expect(clean(`https://shop.example/p?id=7&${k}=x`)).toBe('https://shop.example/p?id=7&');
    expect(clean(`https://shop.example/p?${k}=x#top`)).toBe('https://shop.example/p?#top');
    expect(clean(`https://shop.example/p?${k}=s3cr3t`)).toBe('https://shop.example/p?');
  });

  it('removes several personal parameters in a row', () => {
    expect(clean('https://shop.example/p?email=a&phone=b&token=c&page=2')).toBe('https://shop.example/p?page=2');
  });

  it('removes any parameter whose value holds an e-mail, whatever its name', () => {
    expect(clean('https://shop.example/?q=jan.kowalski%40example.com&page=2&u=a@b.pl')).toBe('https://shop.example/?page=2&');
    expect(clean('https://shop.example/?to=A%40B.PL')).toBe('https://shop.example/?');
  });

  it('keeps ordinary parameters and URLs untouched', () => {
    for (const u of [
      'https://shop.example/p/1?utm_source=news&page=2&sort=price',
      'https://shop.example/?q=hotel+telewizor&sort=name',
      'https://shop.example/#/cart',
      'https://shop.example/p/1#reviews',
      'https://shop.example/p/1',
    ]) {
      expect(clean(u)).toBe(u);
    }
  });

  it('removes personal parameters from the hash too', () => {
    expect(clean('https://shop.example/cb#access_token=abc')).toBe('https://shop.example/cb#');
    expect(clean('https://shop.example/cb#access_token=abc&state=1')).toBe('https://shop.example/cb#state=1');
    expect(clean('https://shop.example/#/thanks?email=a@b.pl')).toBe('https://shop.example/#/thanks?');
  });

  it('keeps an empty referrer empty', () => {
    expect(clean('')).toBe('');
  });
});
