;; mem_grow: an active data segment one byte past the end of memory: instantiation traps.
(module
  (memory (export "memory") 1 1)
  (data (i32.const 65533) "\01\02\03\04")
  (func (export "read_last") (result i32) (i32.load (i32.const 65532)))
)
