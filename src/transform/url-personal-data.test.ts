import { describe, expect, it } from 'vitest';
import { withoutPersonalData } from './url-personal-data.js';

describe('withoutPersonalData', () => {
  it('drops the query parameters that hold an e-mail address or are named for a contact or a name, keeping the rest as written', () => {
    expect(withoutPersonalData('https://shop.example.com/thanks?order=1001&email=jane%40example.com&utm_source=mail')).toEqual({ url: 'https://shop.example.com/thanks?order=1001&utm_source=mail', removed: 1 });
    // By value, whatever the name; by name, whatever the value (a phone is not told from a number by its shape).
    expect(withoutPersonalData('https://s.example/p?u=Jane.Doe@Example.com&Phone=%2B1%20650%20555%201212&First-Name=Jane&q=a+b%20c').url).toBe('https://s.example/p?q=a+b%20c');
    expect(withoutPersonalData('https://s.example/p?e_mail=x&last_name=Doe#section')).toEqual({ url: 'https://s.example/p#section', removed: 2 });
  });
  it('leaves a URL with nothing personal exactly as it was', () => {
    for (const url of ['https://s.example/p', 'https://s.example/p?', 'https://s.example/p?a=1&&b=%zz&c', 'not a url ?x=1', 'https://s.example/p#x?email=a@b.co']) {
      expect(withoutPersonalData(url)).toEqual({ url, removed: 0 });
    }
  });
  it('reads a value that is not valid percent-encoding as it is', () => {
    expect(withoutPersonalData('https://s.example/p?ref=%E0%A4%A&to=jane@example.com').url).toBe('https://s.example/p?ref=%E0%A4%A');
  });
});
