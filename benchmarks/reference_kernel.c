/* The reduced GD recurrence as a plain C loop: the yardstick for theory/reduced_gd.py's kernel.
 *
 * Same state, same arithmetic and the same decision rule as reduced_gd.step, reduced_gd._kernel
 * and decisions.decide (one atan2 per step; divisions by 2π and 4π folded into constants), an
 * OpenMP loop. Two loops: run_plain advances each trajectory alone, step by step, until its
 * steps run out (or it stops: diverged, or decided with until_decided) — the plain C loop a
 * researcher would write; run_lanes has the structure the numba kernel had before it was
 * vectorized (LANES = 8 trajectories advanced together, scalar code, so their latency chains
 * overlap). benchmarks/engines.py builds it on the spot
 *     gcc -O3 -march=native -fopenmp -shared -fPIC reference_kernel.c -lm
 * and checks that it returns the same outcomes as the numba kernel before timing both.
 */
#include <math.h>
#include <stdint.h>

#define PI 3.14159265358979311600
#define FLUSH_ANGLE 1e-200
#define UPPER_PER_OCTAVE 4
#define UPPER_OCTAVES 40
#define LOWER_PER_OCTAVE 8
#define LOWER_OCTAVES 44
#define UPPER_LEVELS (UPPER_PER_OCTAVE * (UPPER_OCTAVES - 1) + 1)
#define LEVELS (UPPER_LEVELS + LOWER_PER_OCTAVE * (LOWER_OCTAVES - 1))

static int decide(double phi, double loss, double r2, double a_sum, double a_sq,
                  const double *rule, const double *r2_min)
{
    double phi_split = rule[0], global_base = rule[1], global_span = rule[2];
    double spurious_base = rule[3], spurious_span = rule[4], slack = rule[5];
    double diverge_sum = rule[6], diverge_perp_sq = rule[7], k = rule[8];
    if (fabs(a_sum) > diverge_sum || a_sq - a_sum * a_sum / k > diverge_perp_sq
        || !(fabs(loss) <= 1.7e308))
        return 3;
    int spurious = phi > phi_split;
    double base = spurious ? spurious_base : global_base;
    double span = spurious ? spurious_span : global_span;
    double position = (loss + slack - base) / span;
    if (!(position > 0 && position < 1))
        return 0;
    double level;
    if (position >= 0.5) {
        double from_top = ceil(-UPPER_PER_OCTAVE * log2(1.0 - position) + 1e-9);
        if (from_top > UPPER_PER_OCTAVE * UPPER_OCTAVES)
            return 0;
        level = UPPER_PER_OCTAVE * UPPER_OCTAVES - from_top;
    } else {
        double from_bottom = floor(-LOWER_PER_OCTAVE * log2(position) - 1e-9);
        if (from_bottom > LOWER_PER_OCTAVE * LOWER_OCTAVES)
            from_bottom = LOWER_PER_OCTAVE * LOWER_OCTAVES;
        level = UPPER_LEVELS - 1 + from_bottom - LOWER_PER_OCTAVE;
    }
    int64_t index = (int64_t)level + LEVELS * spurious;
    return r2 >= r2_min[index] ? 1 + spurious : 0;
}

void run_plain(int64_t n, double *x, double *y, double *z1, double *z2, double *residual_sq,
         double rho_sq, int64_t steps, const double *consts, const double *rule,
         const double *r2_min, int64_t *outcome, int64_t *decided_step, int64_t *ascents,
         int64_t *late_ascents, int until_decided)
{
    const double v_rate = consts[0], a_rate = consts[1], c = consts[2], cs = consts[3];
    const double teacher_part = consts[4], q1a = consts[5], q1b = consts[6];
    const double qaa = consts[7], qab = consts[8], slack = rule[5], top = rule[2];
    const int always_decide = rule[6] < INFINITY || rule[7] < INFINITY;
    #pragma omp parallel for schedule(dynamic, 256)
    for (int64_t i = 0; i < n; i++) {
        double xi = x[i], yi = y[i], z1i = z1[i], z2i = z2[i], res = residual_sq[i];
        int64_t code = outcome[i], decided = decided_step[i], rises = 0, late = 0;
        double previous = INFINITY;
        for (int64_t t = 0; t <= steps; t++) {
            yi = yi * (fabs(yi) >= FLUSH_ANGLE * fabs(xi));   /* the kernel's flush of tiny angles (reduced_gd.step) */
            double r2 = xi * xi + yi * yi, inv_r = 1.0 / hypot(xi, yi), abs_y = fabs(yi);
            double near = atan2(abs_y, fabs(xi));
            double phi = xi < 0 ? PI - near : near, delta = xi < 0 ? near : PI - near;
            double g = delta * (xi * inv_r) + abs_y * inv_r;
            double a_dot = qaa * z1i + qab * z2i, a_sum = q1a * z1i + q1b * z2i;
            double a_sq = z1i * z1i + z2i * z2i + res;
            double pull = a_sum - cs, bend = c * (g - 1);
            double loss = ((PI - 1) * a_sq + teacher_part + pull * pull - 2 * bend * a_dot) * (1 / (4 * PI));
            if (loss > previous + slack) {
                rises++;
                if (decided >= 0)
                    late++;
            }
            previous = loss;
            if (decided < 0 && (always_decide || loss + slack < top)) {
                int found = decide(phi, loss, r2, a_sum, a_sq, rule, r2_min);
                if (found) {
                    code = found;
                    decided = t;
                }
            }
            if (decided >= 0 && (until_decided || code == 3))
                break;
            if (t < steps) {
                double y_unit = abs_y * inv_r, turn = v_rate * a_dot * delta * inv_r * y_unit;
                double nx = xi + turn * y_unit, ny = yi - turn * xi * inv_r * (yi > 0 ? 1.0 : yi < 0 ? -1.0 : 0.0);
                double nz1 = z1i - a_rate * ((PI - 1) * z1i + pull * q1a - bend * qaa);
                double nz2 = z2i - a_rate * ((PI - 1) * z2i + pull * q1b - bend * qab);
                xi = nx; yi = ny; z1i = nz1; z2i = nz2; res *= rho_sq;
            }
        }
        x[i] = xi; y[i] = yi; z1[i] = z1i; z2[i] = z2i; residual_sq[i] = res;
        outcome[i] = code; decided_step[i] = decided; ascents[i] = rises; late_ascents[i] = late;
    }
}

#define LANES 8

/* The scalar numba kernel's former structure: each task advances LANES trajectories together. */
void run_lanes(int64_t n, double *x, double *y, double *z1, double *z2, double *residual_sq,
               double rho_sq, int64_t steps, const double *consts, const double *rule,
               const double *r2_min, int64_t *outcome, int64_t *decided_step, int64_t *ascents,
               int64_t *late_ascents, int until_decided)
{
    const double v_rate = consts[0], a_rate = consts[1], c = consts[2], cs = consts[3];
    const double teacher_part = consts[4], q1a = consts[5], q1b = consts[6];
    const double qaa = consts[7], qab = consts[8], slack = rule[5], top = rule[2];
    const int always_decide = rule[6] < INFINITY || rule[7] < INFINITY;
    int64_t blocks = (n + LANES - 1) / LANES;
    #pragma omp parallel for schedule(dynamic, 32)
    for (int64_t block = 0; block < blocks; block++) {
        int64_t lo = block * LANES, width = n - lo < LANES ? n - lo : LANES;
        double xs[LANES], ys[LANES], z1s[LANES], z2s[LANES], res[LANES], previous[LANES];
        int64_t code[LANES], decided[LANES], rises[LANES], late[LANES];
        int running[LANES];
        for (int64_t l = 0; l < width; l++) {
            xs[l] = x[lo + l]; ys[l] = y[lo + l]; z1s[l] = z1[lo + l]; z2s[l] = z2[lo + l];
            res[l] = residual_sq[lo + l]; previous[l] = INFINITY; code[l] = outcome[lo + l];
            decided[l] = decided_step[lo + l]; rises[l] = 0; late[l] = 0; running[l] = 1;
        }
        for (int64_t t = 0; t <= steps; t++) {
            int moving = 0;
            for (int64_t l = 0; l < width; l++) {
                if (!running[l])
                    continue;
                double xi = xs[l], yi = ys[l], z1i = z1s[l], z2i = z2s[l];
                yi = yi * (fabs(yi) >= FLUSH_ANGLE * fabs(xi));
                double r2 = xi * xi + yi * yi, inv_r = 1.0 / hypot(xi, yi), abs_y = fabs(yi);
                double near = atan2(abs_y, fabs(xi));
                double phi = xi < 0 ? PI - near : near, delta = xi < 0 ? near : PI - near;
                double g = delta * (xi * inv_r) + abs_y * inv_r;
                double a_dot = qaa * z1i + qab * z2i, a_sum = q1a * z1i + q1b * z2i;
                double a_sq = z1i * z1i + z2i * z2i + res[l];
                double pull = a_sum - cs, bend = c * (g - 1);
                double loss = ((PI - 1) * a_sq + teacher_part + pull * pull - 2 * bend * a_dot) * (1 / (4 * PI));
                if (loss > previous[l] + slack) {
                    rises[l]++;
                    if (decided[l] >= 0)
                        late[l]++;
                }
                previous[l] = loss;
                if (decided[l] < 0 && (always_decide || loss + slack < top)) {
                    int found = decide(phi, loss, r2, a_sum, a_sq, rule, r2_min);
                    if (found) {
                        code[l] = found;
                        decided[l] = t;
                    }
                }
                if (decided[l] >= 0 && (until_decided || code[l] == 3)) {
                    running[l] = 0;
                } else if (t < steps) {
                    double y_unit = abs_y * inv_r, turn = v_rate * a_dot * delta * inv_r * y_unit;
                    xs[l] = xi + turn * y_unit;
                    ys[l] = yi - turn * xi * inv_r * (yi > 0 ? 1.0 : yi < 0 ? -1.0 : 0.0);
                    z1s[l] = z1i - a_rate * ((PI - 1) * z1i + pull * q1a - bend * qaa);
                    z2s[l] = z2i - a_rate * ((PI - 1) * z2i + pull * q1b - bend * qab);
                    res[l] *= rho_sq;
                    moving++;
                }
            }
            if (!moving)
                break;
        }
        for (int64_t l = 0; l < width; l++) {
            x[lo + l] = xs[l]; y[lo + l] = ys[l]; z1[lo + l] = z1s[l]; z2[lo + l] = z2s[l];
            residual_sq[lo + l] = res[l]; outcome[lo + l] = code[l]; decided_step[lo + l] = decided[l];
            ascents[lo + l] = rises[l]; late_ascents[lo + l] = late[l];
        }
    }
}
