using Cpns.Fuzz.Seeds;
using Cpns.Protocol;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// <see cref="EnvelopeCodec"/>, the decoder every role runs on every message: TryDecode never throws,
/// Decode throws only <see cref="ProtocolException"/>, the two agree, and what is accepted re-encodes to the very
/// input (the codec's canonical-encoding promise).
/// </summary>
internal sealed class EnvelopeTarget : FuzzTarget
{
    public override string Name => "envelope";

    public override string Description => "EnvelopeCodec.TryDecode/Decode (ProtocolException only; accepted input re-encodes byte for byte)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var accepted = EnvelopeCodec.TryDecode(input, out var envelope, out var error);
        if (accepted)
        {
            Check(EnvelopeCodec.Encode(envelope!).AsSpan().SequenceEqual(input), "an accepted envelope re-encodes to its input");
        }
        else
        {
            Check(error.Code != ProtocolErrorCode.None, "a refusal names a reason");
            _ = error.ToString();
        }

        try
        {
            EnvelopeCodec.Decode(input);
            Check(accepted, "Decode accepts only what TryDecode accepts");
        }
        catch (ProtocolException)
        {
            Check(!accepted, "Decode refuses only what TryDecode refuses");
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds() => EnvelopeSeeds.All();
}
