"""The peer benchmark's reference cascade model in Mesa 3.3.1 (see README.md here).

N leveraged longs (collateral log-normal around 300, leverage log-normal around 5, maintenance margin 2.5%) enter
at a random step of the first 200; N/10 noise traders each trade with probability 0.2 a step, a market order of
log-normal notional around 10,000 of random side; a -30% gap hits the price at step 200. The price moves by linear
impact of each step's net order flow (4e-3 of log-price per million of net buying) and by a random walk of 60% a
year at one-minute steps. A long whose equity falls below maintenance margin is closed at the step's price, its
sale adding to the step's flow; a shortfall is taken by an insurance fund. Usage:

    python3 mesa_cascade.py [N] [STEPS]
"""

import math
import sys

import mesa

IMPACT = 0.004 / 1_000_000  # log-price per unit of net buying notional
STEP_VOLATILITY = 0.6 / math.sqrt(365 * 24 * 60)
MAINTENANCE = 0.025
GAP_STEP, GAP = 200, -0.30


class LeveragedLong(mesa.Agent):
    """Opens a long at its entry step; liquidated below maintenance margin."""

    def __init__(self, model):
        super().__init__(model)
        rng = model.random
        self.collateral = 300 * math.exp(0.8 * rng.gauss(0, 1))
        self.leverage = max(1.0, 5 * math.exp(0.5 * rng.gauss(0, 1)))
        self.entry_step = rng.randrange(200)
        self.quantity = 0.0
        self.entry_price = 0.0
        self.open = False

    def step(self):
        model = self.model
        if not self.open:
            if model.tick() == self.entry_step:
                self.quantity = self.collateral * self.leverage / model.price
                self.entry_price = model.price
                self.open = True
                model.flow += self.quantity * model.price
            return
        equity = self.collateral + self.quantity * (model.price - self.entry_price)
        if equity < MAINTENANCE * self.quantity * model.price:
            model.flow -= self.quantity * model.price
            model.insurance_fund += min(equity, 0.0)
            model.liquidations += 1
            self.remove()


class NoiseTrader(mesa.Agent):
    """Trades a market order of random side with probability 0.2 a step."""

    def step(self):
        rng = self.model.random
        if rng.random() < 0.2:
            notional = 10_000 * math.exp(rng.gauss(0, 1))
            self.model.flow += notional if rng.random() < 0.5 else -notional


class CascadeModel(mesa.Model):
    """The reference cascade: leveraged longs, noise traders, a gap and linear impact."""

    def __init__(self, n, seed=1):
        super().__init__(seed=seed)
        self.price = 30_000.0
        self.flow = 0.0
        self.insurance_fund = 250_000.0
        self.liquidations = 0
        LeveragedLong.create_agents(self, n)
        NoiseTrader.create_agents(self, n // 10)

    def tick(self):
        """The step being run, from 0 (Mesa counts `steps` from 1 inside `step`)."""
        return self.steps - 1

    def step(self):
        self.flow = 0.0
        self.agents.shuffle_do("step")
        shock = GAP if self.tick() == GAP_STEP else 0.0
        move = STEP_VOLATILITY * self.random.gauss(0, 1) + IMPACT * self.flow
        self.price *= math.exp(move) * (1.0 + shock)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    model = CascadeModel(n)
    for _ in range(steps):
        model.step()
    print(f"{n} longs, {steps} steps: {model.liquidations} liquidations, price {model.price:.1f}")


if __name__ == "__main__":
    main()
