;; Word count as a WASI (preview 1) cell: the input's JSON on stdin, {"words":N} on stdout.
;; A word is a run of ASCII letters or digits or non-ASCII bytes; JSON escapes (\n, \", \uXXXX) separate
;; words. Built into ../analysis.word_count.v1.json by `npm run build:cells` (wabt); nothing is downloaded.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 3 3)
  ;; 0..8: an iovec; 8..12: a count; 48..64: digits; 64..: texts; 1024..: the input (up to 130048 bytes).
  (data (i32.const 64) "{\22words\22:")
  (data (i32.const 80) "}")
  (data (i32.const 96) "word_count: input larger than 127 KiB\n")
  (global $cap i32 (i32.const 130048))

  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $read_all (result i32)
    (local $total i32)
    (local $n i32)
    (loop $more
      (i32.store (i32.const 0) (i32.add (i32.const 1024) (local.get $total)))
      (i32.store (i32.const 4) (i32.sub (global.get $cap) (local.get $total)))
      (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))
        (then (call $proc_exit (i32.const 2))))
      (local.set $n (i32.load (i32.const 8)))
      (local.set $total (i32.add (local.get $total) (local.get $n)))
      (br_if $more
        (i32.and (i32.ne (local.get $n) (i32.const 0)) (i32.lt_u (local.get $total) (global.get $cap)))))
    (if (i32.ge_u (local.get $total) (global.get $cap))
      (then
        (call $write (i32.const 2) (i32.const 96) (i32.const 38))
        (call $proc_exit (i32.const 1))))
    (local.get $total))

  (func $is_word (param $c i32) (result i32)
    (i32.or
      (i32.or
        (i32.and (i32.ge_u (local.get $c) (i32.const 48)) (i32.le_u (local.get $c) (i32.const 57)))
        (i32.and (i32.ge_u (local.get $c) (i32.const 65)) (i32.le_u (local.get $c) (i32.const 90))))
      (i32.or
        (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
        (i32.ge_u (local.get $c) (i32.const 128)))))

  (func $count (param $len i32) (result i32)
    (local $i i32)
    (local $c i32)
    (local $in i32)
    (local $words i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
        (if (i32.eq (local.get $c) (i32.const 92))
          (then
            ;; A backslash escape: \uXXXX is six bytes, the others two; either ends a word.
            (local.set $in (i32.const 0))
            (local.set $i (i32.add (local.get $i)
              (select (i32.const 6) (i32.const 2)
                (i32.eq (i32.load8_u (i32.add (i32.const 1025) (local.get $i))) (i32.const 117)))))
            (br $next)))
        (if (call $is_word (local.get $c))
          (then
            (if (i32.eqz (local.get $in)) (then (local.set $words (i32.add (local.get $words) (i32.const 1)))))
            (local.set $in (i32.const 1)))
          (else (local.set $in (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $words))

  (func $write_number (param $n i32)
    (local $at i32)
    (local.set $at (i32.const 64))
    (loop $digit
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (i32.ne (local.get $n) (i32.const 0))))
    (call $write (i32.const 1) (local.get $at) (i32.sub (i32.const 64) (local.get $at))))

  (func (export "_start")
    (call $write (i32.const 1) (i32.const 64) (i32.const 9))
    (call $write_number (call $count (call $read_all)))
    (call $write (i32.const 1) (i32.const 80) (i32.const 1))))
