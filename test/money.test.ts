import { describe, expect, test } from 'vitest';
import { expenseMoneyColumns } from '../src/money/expense-amounts.js';
import { between, divideRounded, formatRate, isCurrencyCode, isValidRate, toDefault } from '../src/money/money.js';

describe('money arithmetic', () => {
  test('rounds once, half away from zero', () => {
    expect([divideRounded(5n, 2n), divideRounded(-5n, 2n), divideRounded(7n, 3n), divideRounded(-7n, 3n)]).toEqual([
      3n, -3n, 2n, -2n,
    ]);
    expect(toDefault(1n, '0.5')).toBe(1n);
    expect(toDefault(333n, '1.0015')).toBe(333n); // 333.4995
    expect(between(10000n, '1.0', '1.25')).toBe(8000n);
  });

  test('stays exact far beyond 2^53', () => {
    const cents = 10n ** 15n;
    expect(toDefault(cents, '1.2345678901')).toBe(1234567890100000n);
    expect(toDefault(cents * 1000n, '3')).toBe(3n * 10n ** 18n);
  });

  test('validates currencies and rates', () => {
    expect(['EUR', 'USD', 'JPY'].every(isCurrencyCode)).toBe(true);
    expect(['eur', 'XYZ', 'EURO', ''].some(isCurrencyCode)).toBe(false);
    expect(['1', '1.25', '0.0001'].every(isValidRate)).toBe(true);
    expect(['0', '-1', 'abc', '1e3', '1.', ''].some(isValidRate)).toBe(false);
    expect([formatRate('1.2500000000'), formatRate('1'), formatRate('0010.50')]).toEqual(['1.25', '1.0', '10.5']);
  });
});

describe('expense money, as the reference examples give it', () => {
  test('10000 EUR at 1.25 on a EUR deal, nothing billable', () => {
    expect(
      expenseMoneyColumns({
        amount: 10000n, billableAmount: 0n, currency: 'EUR', exchangeRate: '1.25',
        deal: { currency: 'EUR', exchangeRate: '1.25' },
      }),
    ).toEqual({
      amountDefault: 12500n, amountNormalized: 10000n, billableAmountDefault: 0n, normalizedCurrency: 'EUR',
      profitNormalized: -10000n, profitDefault: -12500n,
    });
  });

  test('10000 USD at 1.0 on a EUR deal at 1.25, billing 10000', () => {
    expect(
      expenseMoneyColumns({
        amount: 10000n, billableAmount: 10000n, currency: 'USD', exchangeRate: '1.0',
        deal: { currency: 'EUR', exchangeRate: '1.25' },
      }),
    ).toEqual({
      amountDefault: 10000n, amountNormalized: 8000n, billableAmountDefault: 12500n, normalizedCurrency: 'EUR',
      profitNormalized: 2000n, profitDefault: 2500n,
    });
  });
});
