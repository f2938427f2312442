// The one reader of stored payloads (payloads.ts): a row's own item, from either payload shape, and
// null (never a throw) for anything damaged.
import { describe, expect, it } from 'vitest';
import { storedEvent, storedItem } from './payloads.ts';
import { asContact, asEvent, asEvents, browserEvent, orderEvent, shopContact } from '../test/delivery-fixtures.ts';

describe('storedItem', () => {
  it('reads a row holding its own item', () => {
    const event = orderEvent('purchase');
    expect(storedItem(JSON.stringify(asEvent(event)), event.id)).toEqual(asEvent(event));
    const contact = shopContact();
    expect(storedItem(JSON.stringify(asContact(contact)), contact.id)).toEqual(asContact(contact));
  });

  it('finds the row’s item by id in an older row holding a whole message', () => {
    const [a, b] = [browserEvent('visit'), browserEvent('cart', { products: [] })];
    expect(storedItem(JSON.stringify(asEvents([a, b])), b.id)).toEqual(asEvent(b));
  });

  it('answers null for a missing, unreadable or foreign payload', () => {
    const event = orderEvent('purchase');
    expect(storedItem(null, event.id)).toBeNull();
    expect(storedItem('', event.id)).toBeNull();
    expect(storedItem('{"kind":"event","event":', event.id)).toBeNull();
    expect(storedItem(JSON.stringify({ kind: 'event', event: { id: event.id, type: 'nonsense' } }), event.id)).toBeNull();
    expect(storedItem(JSON.stringify(asEvent(event)), 'another-id')).toBeNull();
  });

  it('storedEvent answers only events', () => {
    const event = orderEvent('purchase');
    expect(storedEvent(JSON.stringify(asEvent(event)), event.id)).toEqual(event);
    const contact = shopContact();
    expect(storedEvent(JSON.stringify(asContact(contact)), contact.id)).toBeNull();
  });
});
