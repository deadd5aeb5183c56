using Cpns.Protocol.V1;

namespace Cpns.Protocol.Tests;

internal static partial class Samples
{
    public static TheoryData<Envelope.BodyOneofCase> BodyCases => [.. AllBodyCases];
}
