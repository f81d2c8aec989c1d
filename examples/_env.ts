// Imported first by the examples, before libtorch loads: unless the user set it, let OpenMP's idle worker
// threads sleep instead of spin (OMP_WAIT_POLICY=PASSIVE). On a machine busy with other work, spinning
// threads made 2-thread training 5-8x slower here (measured: 32-85 vs 243-293 img/s); on an idle machine
// the difference is small.
if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = "PASSIVE";
export {};
