// Polled safepoints (architectures without injection): where they go in wasm2c's output.
import test from 'ava';
import { insertSafepoints } from '../../src/compile/safepoints.js';

const generated = `u32 w2c_guest_f_0(w2c_guest* instance, u32 var_p0) {
  FUNC_PROLOGUE;
  var_L0: 
    if (var_i0) {goto var_L0;}
  var_L2: 
    switch (var_i0) {
      case 0: goto var_L2;
      default: goto var_B1;
    }
  var_B1:;
  FUNC_EPILOGUE;
}`;

test('a safepoint after every loop label and function prologue, none at block labels', (t) => {
  const { source, loops, functions } = insertSafepoints(generated);
  t.is(loops, 2);
  t.is(functions, 1);
  t.regex(source, /FUNC_PROLOGUE; EMBLY_SAFEPOINT\(\);/);
  t.regex(source, /var_L0: EMBLY_SAFEPOINT\(\);/);
  t.regex(source, /var_L2: EMBLY_SAFEPOINT\(\);/);
  t.regex(source, /var_B1:;\n/);
});
