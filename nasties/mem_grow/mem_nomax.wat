;; mem_grow: a memory with no declared maximum. Raw V8 lets it grow far (up to 4 GiB on 64-bit
;; hosts); the dc profiles cap it at 2048 pages (128 MiB), the same on every platform.
(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32 i32)
    (memory.grow (local.get 0))
    (memory.size))
)
