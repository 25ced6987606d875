/* A gravitational n-body simulation: 32 bodies placed by a seeded generator,
 * all pairs interacting through softened Newtonian gravity (G = 1), advanced
 * with symplectic Euler steps. Double-precision arithmetic, square roots and
 * divisions. The check value is the bit pattern of the total energy after the
 * last step: IEEE 754 makes every operation exact-rounded, and C keeps their
 * order, so all three builds must agree to the last bit. */
#include <math.h>
#include <string.h>

#include "bench.h"

#define BODIES 32
#define BASE_STEPS 250000
#define DT 0.001
#define SOFTENING2 0.0025 /* ε² keeps close encounters finite */

typedef struct {
  double x[BODIES], y[BODIES], z[BODIES];
  double vx[BODIES], vy[BODIES], vz[BODIES];
  double mass[BODIES];
} bodies;

static void place(bodies* b) {
  uint64_t seed = 0x6e626f6479ull;
  double px = 0, py = 0, pz = 0, total = 0;
  for (int i = 0; i < BODIES; i++) {
    b->x[i] = 2 * bench_unit(&seed) - 1;
    b->y[i] = 2 * bench_unit(&seed) - 1;
    b->z[i] = 0.2 * bench_unit(&seed) - 0.1;
    /* roughly circular motion about the z axis, plus some noise */
    b->vx[i] = -0.3 * b->y[i] + 0.05 * (bench_unit(&seed) - 0.5);
    b->vy[i] = 0.3 * b->x[i] + 0.05 * (bench_unit(&seed) - 0.5);
    b->vz[i] = 0.01 * (bench_unit(&seed) - 0.5);
    b->mass[i] = 0.01 + 0.02 * bench_unit(&seed);
    px += b->vx[i] * b->mass[i];
    py += b->vy[i] * b->mass[i];
    pz += b->vz[i] * b->mass[i];
    total += b->mass[i];
  }
  /* no net momentum: the system stays where it is */
  for (int i = 0; i < BODIES; i++) {
    b->vx[i] -= px / total;
    b->vy[i] -= py / total;
    b->vz[i] -= pz / total;
  }
}

BENCH_NOINLINE static void advance(bodies* b, double dt) {
  for (int i = 0; i < BODIES; i++) {
    double xi = b->x[i], yi = b->y[i], zi = b->z[i], mi = b->mass[i];
    double vxi = b->vx[i], vyi = b->vy[i], vzi = b->vz[i];
    for (int j = i + 1; j < BODIES; j++) {
      double dx = xi - b->x[j], dy = yi - b->y[j], dz = zi - b->z[j];
      double d2 = dx * dx + dy * dy + dz * dz + SOFTENING2;
      double scale = dt / (d2 * sqrt(d2));
      double sj = b->mass[j] * scale, si = mi * scale;
      vxi -= dx * sj;
      vyi -= dy * sj;
      vzi -= dz * sj;
      b->vx[j] += dx * si;
      b->vy[j] += dy * si;
      b->vz[j] += dz * si;
    }
    b->vx[i] = vxi;
    b->vy[i] = vyi;
    b->vz[i] = vzi;
  }
  for (int i = 0; i < BODIES; i++) {
    b->x[i] += dt * b->vx[i];
    b->y[i] += dt * b->vy[i];
    b->z[i] += dt * b->vz[i];
  }
}

static double energy(const bodies* b) {
  double e = 0;
  for (int i = 0; i < BODIES; i++) {
    e += 0.5 * b->mass[i] * (b->vx[i] * b->vx[i] + b->vy[i] * b->vy[i] + b->vz[i] * b->vz[i]);
    for (int j = i + 1; j < BODIES; j++) {
      double dx = b->x[i] - b->x[j], dy = b->y[i] - b->y[j], dz = b->z[i] - b->z[j];
      e -= b->mass[i] * b->mass[j] / sqrt(dx * dx + dy * dy + dz * dz + SOFTENING2);
    }
  }
  return e;
}

int main(void) {
  uint64_t steps = bench_scaled(BASE_STEPS);
  static bodies b;
  place(&b);
  double before = energy(&b);

  bench_time start = bench_now();
  for (uint64_t s = 0; s < steps; s++)
    advance(&b, DT);
  double after = energy(&b);

  uint64_t bits;
  memcpy(&bits, &after, sizeof bits);
  char check[96];
  snprintf(check, sizeof check, "%016llx(%.9f->%.9f)", (unsigned long long)bits, before, after);
  bench_report("nbody", start, check);
  return 0;
}
