;; mem_grow: an active data segment ending exactly at the end of memory.
(module
  (memory (export "memory") 1 1)
  (data (i32.const 65532) "\01\02\03\04")
  (func (export "read_last") (result i32) (i32.load (i32.const 65532)))
)
