// The aggregator's energy auction (paper II.C): a sealed double auction cleared in rounds at one uniform
// price. Offers ascend by unit price (Ecash per Wh), demands descend; pairs are matched while the best
// demand pays at least the best offer, each match for the smaller of the two quantities, and each order
// in one match at most (an EV trades with one counterparty at a time, firmware/trade.ts); the clearing
// price is the midpoint of the last matched pair. The aggregator's own surplus energy joins as an offer
// at its reserve price, so buyers are served when EVs offer too little. Why uniform rounds rather than
// continuous matching: every EV in a round pays or earns the same price, so no EV gains by racing its
// neighbours on a slow radio, and the number of EVs in the round sets the depth of the book.
// A matched order is closed; an unmatched remainder is not carried over (the EV offers again).

export type Order = { id: string; member: number; side: 'offer' | 'demand'; energyWh: number; ecash: number; timeMs: number };
export type AuctionMatch = { offerId: string; demandId: string; seller: number; buyer: number; energyWh: number; ecash: number; pricePerWh: number };
export type AuctionOptions = { surplusEnergyWh: number; surplusPricePerKwh: number };

export const SURPLUS_OFFER_ID = '00'.repeat(16);

const unitPrice = (order: Order) => order.ecash / order.energyWh;

export function runDoubleAuction(orders: Order[], options: AuctionOptions): AuctionMatch[] {
  const offers = orders.filter((order) => order.side === 'offer' && order.energyWh > 0);
  if (options.surplusEnergyWh > 0) {
    offers.push({ id: SURPLUS_OFFER_ID, member: 0, side: 'offer', energyWh: options.surplusEnergyWh, ecash: Math.ceil((options.surplusEnergyWh * options.surplusPricePerKwh) / 1000), timeMs: 0 });
  }
  offers.sort((left, right) => unitPrice(left) - unitPrice(right) || left.timeMs - right.timeMs);
  const demands = orders.filter((order) => order.side === 'demand' && order.energyWh > 0);
  demands.sort((left, right) => unitPrice(right) - unitPrice(left) || left.timeMs - right.timeMs);
  const offerUsed = offers.map(() => false);
  const pairs: { offer: number; demand: number; energyWh: number }[] = [];
  for (let demandIndex = 0; demandIndex < demands.length; demandIndex++) {
    const demand = demands[demandIndex];
    // The cheapest offer left that this demand pays for, from another member.
    const offerIndex = offers.findIndex((offer, index) => !offerUsed[index] && offer.member !== demand.member && unitPrice(demand) >= unitPrice(offer));
    if (offerIndex < 0) continue;
    offerUsed[offerIndex] = true;
    pairs.push({ offer: offerIndex, demand: demandIndex, energyWh: Math.min(demand.energyWh, offers[offerIndex].energyWh) });
  }
  if (pairs.length === 0) return [];
  const last = pairs[pairs.length - 1];
  const price = (unitPrice(offers[last.offer]) + unitPrice(demands[last.demand])) / 2;
  return pairs.map((pair) => ({
    offerId: offers[pair.offer].id,
    demandId: demands[pair.demand].id,
    seller: offers[pair.offer].member,
    buyer: demands[pair.demand].member,
    energyWh: pair.energyWh,
    ecash: Math.round(pair.energyWh * price),
    pricePerWh: price,
  }));
}
