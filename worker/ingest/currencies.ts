// ISO 4217 currency codes a shop can be paid in: the active list (ISO 4217 amendment list, 2025),
// plus codes withdrawn recently enough that a shop's data may still carry them (ANG, CUC, SLL, ZWL).
// Left out on purpose: precious metals (XAU, XAG, XPD, XPT), bond units (XBA-XBD), SDR and
// fund codes (XDR, XSU, XUA), the test code XTS and XXX ("no currency"): none prices an order.
const CODES =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
  'GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW ' +
  'KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN ' +
  'NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL ' +
  'SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES ' +
  'VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL';

const CURRENCY_CODES: ReadonlySet<string> = new Set(CODES.split(' '));

export function isCurrencyCode(code: string): boolean {
  return CURRENCY_CODES.has(code);
}
