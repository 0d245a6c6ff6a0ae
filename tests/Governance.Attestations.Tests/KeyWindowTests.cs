namespace Governance.Attestations.Tests;

/// <summary>A statement's issue time must lie in its key's published window (issue 11, item 1).</summary>
public class KeyWindowTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Start.AddDays(90);
    private static readonly DateTimeOffset Now = Start.AddDays(200);

    private static Jwk Key(string status, DateTimeOffset? nbf = null, DateTimeOffset? exp = null) =>
        new("EC", "P-256", "x", "y", "kid-1", "sig", "ES256", status, nbf?.ToUnixTimeSeconds(), exp?.ToUnixTimeSeconds());

    [Fact]
    public void A_statement_issued_inside_the_window_of_a_retired_key_is_accepted()
    {
        Assert.Null(KeyWindow.Check(Key("retired", Start, End), End.AddSeconds(-1), Now));
        Assert.Null(KeyWindow.Check(Key("current", Start), Now, Now));
    }

    [Theory]
    [InlineData("retired", 0, "key_retired")]
    [InlineData("retired", 30, "key_retired")]
    [InlineData("compromised", 0, "key_compromised")]
    public void A_statement_issued_at_or_after_the_end_of_the_window_is_refused(string status, int daysAfterEnd, string code)
    {
        Assert.Equal(code, KeyWindow.Check(Key(status, Start, End), End.AddDays(daysAfterEnd), Now)?.Code);
    }

    [Fact]
    public void A_statement_issued_before_the_key_began_is_refused()
    {
        Assert.Equal("key_not_yet_valid", KeyWindow.Check(Key("current", Start), Start.AddSeconds(-1), Now)?.Code);
    }

    [Fact]
    public void A_statement_from_the_future_is_refused_beyond_the_clock_skew()
    {
        Assert.Null(KeyWindow.Check(Key("current", Start), Now + KeyWindow.ClockSkew, Now));
        Assert.Equal(
            "statement_from_future",
            KeyWindow.Check(Key("current", Start), Now + KeyWindow.ClockSkew + TimeSpan.FromSeconds(1), Now)?.Code
        );
    }

    [Theory]
    [InlineData("retired", "key_window_unknown")]
    [InlineData("compromised", "key_window_unknown")]
    [InlineData("revoked", "key_status_unknown")]
    public void A_key_set_that_does_not_say_where_a_window_ends_fails_closed(string status, string code)
    {
        Assert.Equal(code, KeyWindow.Check(Key(status), Start, Now)?.Code);
    }
}
