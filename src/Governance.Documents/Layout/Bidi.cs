using System.Runtime.InteropServices;

namespace Governance.Documents.Layout;

/// <summary>
/// The Unicode Bidirectional Algorithm (UAX #9) from ICU's <c>ubidi</c> API in <c>libicuuc</c>, the ICU build .NET itself
/// uses for globalization on Linux (.NET has no bidi API). ICU exports its C functions with the major version as a suffix
/// (<c>ubidi_open_72</c> in Debian 12's libicuuc.so.72), so the library and suffix are found at first use. Chosen over
/// GNU FriBidi because .NET already depends on ICU, so no other native library is needed.
/// </summary>
internal static class Bidi
{
    /// <summary>UBIDI_DEFAULT_LTR: the paragraph's direction is that of its first strong character, left to right if none.</summary>
    private const byte DefaultLeftToRight = 0xFE;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr OpenFunction();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetParagraphFunction(IntPtr bidi, IntPtr text, int length, byte level, IntPtr levels, ref int error);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetLevelsFunction(IntPtr bidi, ref int error);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void ReorderVisualFunction(byte[] levels, int length, int[] indexMap);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void CloseFunction(IntPtr bidi);

    private sealed record Api(
        OpenFunction Open,
        SetParagraphFunction SetParagraph,
        GetLevelsFunction GetLevels,
        ReorderVisualFunction ReorderVisual,
        CloseFunction Close
    );

    private static readonly Lazy<Api> Icu = new(Load);

    private static Api Load()
    {
        // Newest first; the unversioned names are for ICU builds configured without renaming.
        foreach (
            var version in Enumerable.Range(50, 51).Reverse().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))
        )
        {
            if (!NativeLibrary.TryLoad($"libicuuc.so.{version}", out var library))
                continue;
            foreach (var suffix in new[] { $"_{version}", "" })
                if (NativeLibrary.TryGetExport(library, $"ubidi_open{suffix}", out _))
                {
                    T Function<T>(string name) => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name + suffix));
                    return new Api(
                        Function<OpenFunction>("ubidi_open"),
                        Function<SetParagraphFunction>("ubidi_setPara"),
                        Function<GetLevelsFunction>("ubidi_getLevels"),
                        Function<ReorderVisualFunction>("ubidi_reorderVisual"),
                        Function<CloseFunction>("ubidi_close")
                    );
                }
        }
        throw new DllNotFoundException("The bidirectional algorithm needs ICU's libicuuc (Debian package libicu72), which .NET uses.");
    }

    /// <summary>Whether <paramref name="text"/> has a character of a right-to-left script (Hebrew, Arabic, Syriac, Thaana, NKo,
    /// Samaritan, Mandaic, their presentation forms, or the supplementary right-to-left blocks); text without one is all
    /// left to right and needs no bidi pass.</summary>
    public static bool HasRightToLeft(string text)
    {
        foreach (var c in text)
            if (
                c
                is >= '\u0590'
                    and <= '\u08FF'
                    or >= '\uFB1D'
                    and <= '\uFDFF'
                    or >= '\uFE70'
                    and <= '\uFEFF'
                    or '\u200F'
                    or '\u202B'
                    or '\u202E'
            )
                return true;
            else if (c is >= '\uD802' and <= '\uD803' or '\uD83A' or '\uD83B') // U+10800-10FFF, U+1E800-1EFFF
                return true;
        return false;
    }

    /// <summary>The embedding level of every UTF-16 unit of the paragraph <paramref name="text"/> (UAX #9 rules P2-I2; odd is
    /// right to left).</summary>
    /// <exception cref="InvalidOperationException">ICU reported an error.</exception>
    public static byte[] Levels(string text)
    {
        var api = Icu.Value;
        var chars = text.ToCharArray();
        var handle = GCHandle.Alloc(chars, GCHandleType.Pinned); // ICU keeps a pointer to the text while the object lives
        var bidi = api.Open();
        try
        {
            var error = 0;
            api.SetParagraph(bidi, handle.AddrOfPinnedObject(), chars.Length, DefaultLeftToRight, IntPtr.Zero, ref error);
            var levels = api.GetLevels(bidi, ref error);
            if (error > 0)
                throw new InvalidOperationException($"ICU ubidi failed with error {error}.");
            var result = new byte[chars.Length];
            Marshal.Copy(levels, result, 0, result.Length);
            return result;
        }
        finally
        {
            api.Close(bidi);
            handle.Free();
        }
    }

    /// <summary>The visual order of runs with the given embedding levels (UAX #9 rule L2): <c>result[v]</c> is the logical index
    /// of the run drawn <c>v</c>-th from the left.</summary>
    public static int[] VisualOrder(byte[] levels)
    {
        var map = new int[levels.Length];
        Icu.Value.ReorderVisual(levels, levels.Length, map);
        return map;
    }
}
