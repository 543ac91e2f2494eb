// Test-only reference matcher: glibc's own re_compile_pattern/re_match with syntax bits 0, which is what
// ca-gateway's default build uses, loaded through koffi (the only koffi import of the gwconfig tests).
// A whole-name match is re_match() == length, as the gateway anchors patterns at both ends.
import koffi from 'koffi';

export interface GlibcRegex {
  /** true/false for a whole-name match, or the compile error text. */
  fullMatch(pattern: string, name: string): boolean | string;
}

function load(): GlibcRegex | undefined {
  try {
    const libc = koffi.load('libc.so.6');
    const setSyntax = libc.func('unsigned long re_set_syntax(unsigned long)');
    const compile = libc.func(
      'const char *re_compile_pattern(const char *pattern, size_t length, void *buffer)',
    );
    const match = libc.func(
      'int re_match(void *buffer, const char *string, int length, int start, void *regs)',
    );
    const free = libc.func('void regfree(void *buffer)');
    setSyntax(0);
    return {
      fullMatch(pattern: string, name: string): boolean | string {
        // struct re_pattern_buffer is 64 bytes on 64-bit glibc; zeroed = no fastmap, no translate table.
        const buffer = Buffer.alloc(64);
        const error = compile(pattern, Buffer.byteLength(pattern), buffer) as string | null;
        if (error !== null) return error;
        const length = match(buffer, name, Buffer.byteLength(name), 0, null) as number;
        free(buffer);
        return length === Buffer.byteLength(name);
      },
    };
  } catch {
    return undefined;
  }
}

/** glibc's matcher, or undefined where libc.so.6 cannot be loaded (non-glibc systems). */
export const glibc = load();
