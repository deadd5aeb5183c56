namespace Cpns.Protocol.Tests;

public sealed class ProtocolExceptionTests
{
    [Fact]
    public void Constructor_Error_CarriesErrorAndItsText()
    {
        var error = new ProtocolError(ProtocolErrorCode.UnsupportedSuite, "suite", "is not a supported cipher suite");

        var exception = new ProtocolException(error);

        Assert.Equal(error, exception.Error);
        Assert.Equal(error.ToString(), exception.Message);
    }

    [Fact]
    public void Constructor_MessageOnly_ErrorIsNone()
    {
        var inner = new InvalidOperationException("inner");

        var exception = new ProtocolException("refused", inner);

        Assert.Equal(ProtocolErrorCode.None, exception.Error.Code);
        Assert.Same(inner, exception.InnerException);
    }
}
