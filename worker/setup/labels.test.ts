// Settings named the merchant's way (issue 26 item 2): labels in the page's language, the variable
// name only where no label exists, long lists shortened.
import { describe, expect, it } from 'vitest';
import { fieldLabel, fieldLabels } from './labels.tsx';
import { problemText } from './i18n.ts';
import { emailProblem } from '../contact/email.ts';

describe('field labels', () => {
  it("names a setting by its label in the page's language", () => {
    expect(fieldLabel('pl', 'TAGS_NEWSLETTER')).toBe('Zapis do newslettera');
    expect(fieldLabel('en', 'SALESMANAGO_ENDPOINT')).toBe('Address (EndPoint)');
    expect(fieldLabel('pl', 'NOT_A_SETTING')).toBe('NOT_A_SETTING');
  });

  it('shortens a long list with how many more', () => {
    const names = ['TAGS_REGISTRATION', 'TAGS_NEWSLETTER', 'TAGS_PURCHASE_LOGGED_IN', 'TAGS_PURCHASE_GUEST', 'TAGS_LOGIN', 'SHOP_DOMAINS'];
    expect(fieldLabels('pl', names, 5)).toBe(
      'Rejestracja, Zapis do newslettera, Zakup przez klienta zalogowanego, Zakup przez klienta niezalogowanego i 2 innych',
    );
    expect(fieldLabels('en', names.slice(0, 2), 5)).toBe('Registration, Newsletter signup');
  });
});

describe('refusal reasons in Polish', () => {
  it.each([
    ['is required', 'jest wymagane'],
    ['must be at most 256 characters', 'może mieć najwyżej 256 znaków'],
    ['must be from 1 to 30 days; using 30', 'musi być od 1 do 30 dni; używane: 30'],
    // The wrangler-only whole numbers (settings/fields.ts WRANGLER_SETTINGS), as readConfig names them.
    ['must be from 100 to 120000 milliseconds; using 100', 'musi być od 100 do 120000 milisekund; używane: 100'],
    ['must be a whole number of seconds (0 to 300); using 10', 'musi być liczbą całkowitą sekund (od 0 do 300); używane: 10'],
    ['must be from 1 to 3600 seconds; using 3600', 'musi być od 1 do 3600 sekund; używane: 3600'],
    ['must be a whole number of days (1 to 365); using 30', 'musi być liczbą całkowitą dni (od 1 do 365); używane: 30'],
    // A count (a whole-number rule without a unit).
    ['must be from 1 to 8; using 8', 'musi być od 1 do 8; używane: 8'],
    [
      `email is not an e-mail address: ${emailProblem('żaneta@example.pl')}`,
      'email: to nie jest adres e-mail: część przed @ może zawierać tylko litery łacińskie',
    ],
    [`must be a valid e-mail address: ${emailProblem('jan@żabka.pl')}`, 'domenę międzynarodową podaj w formie xn--'],
  ])('%s', (problem, polish) => {
    expect(problemText('pl', problem)).toContain(polish);
    expect(problemText('en', problem)).toBe(problem);
  });
});
