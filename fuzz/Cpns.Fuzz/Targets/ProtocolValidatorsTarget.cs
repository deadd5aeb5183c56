using Cpns.Fuzz.Seeds;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Protocol.Validation;
using Google.Protobuf;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// The validators on their own: <see cref="UnknownFieldScanner"/> on raw bytes (it is meant to run after the parser,
/// but its bounds checks must hold on anything) and <see cref="EnvelopeValidator"/> on whatever the protobuf parser
/// accepts, canonical or not, so the semantic rules see inputs the codec's earlier checks would have stopped.
/// Neither may throw.
/// </summary>
internal sealed class ProtocolValidatorsTarget : FuzzTarget
{
    public override string Name => "protocol-validators";

    public override string Description => "UnknownFieldScanner.Scan on raw bytes, EnvelopeValidator.Validate on any parsed envelope (no exception)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        _ = UnknownFieldScanner.Scan(input, Envelope.Descriptor)?.ToString();
        Envelope parsed;
        try
        {
            using var stream = new MemoryStream(input.ToArray(), writable: false);
            using var coded = CodedInputStream.CreateWithLimits(stream, ProtocolLimits.MaxMessageSize, ProtocolLimits.ParseRecursionLimit);
            parsed = Envelope.Parser.ParseFrom(coded);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }

        _ = EnvelopeValidator.Validate(parsed)?.ToString();
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds() => EnvelopeSeeds.All();
}
