// The demo shop's products.
export interface Product {
  id: string;
  name: string;
  price: number;
  description: string;
}

export const PRODUCTS: Product[] = [
  { id: 'KUB-001', name: 'Kubek ceramiczny', price: 39.9, description: 'Biały kubek, 350 ml.' },
  { id: 'HER-002', name: 'Herbata liściasta', price: 24.5, description: 'Czarna herbata, 100 g.' },
  { id: 'CZA-003', name: 'Czajnik stalowy', price: 149, description: 'Czajnik na gaz i indukcję, 1,7 l.' },
  { id: 'SIT-004', name: 'Sitko do herbaty', price: 12, description: 'Stal nierdzewna.' },
];

export const findProduct = (id: string) => PRODUCTS.find((p) => p.id === id);
