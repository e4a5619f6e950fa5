"""A short list of the most used passwords and base words, lowercase; what guessers try first.

Compiled by hand from the well-known public "most common passwords" rankings. It is deliberately
small (loaded at unlock time); it catches the worst choices, not every dictionary word.
"""

from __future__ import annotations

_WORDS = """
    123456 123456789 12345678 12345 1234567 1234567890 123123 111111 000000 121212 654321 666666
    696969 112233 123321 123654 159753 147258369 987654321 11111111 00000000 88888888 1q2w3e4r
    1q2w3e4r5t 1qaz2wsx zaq12wsx qwerty qwerty123 qwertyuiop qwerty1 asdfgh asdfghjkl zxcvbnm
    azerty abc123 abcd1234 a1b2c3 aa123456 password password1 password123 passw0rd p@ssw0rd pass
    passwort motdepasse contraseña senha parola wachtwoord haslo letmein welcome welcome1 hello
    hello123 iloveyou iloveu lovely loveme love admin admin123 administrator root toor guest user
    login test test123 changeme default secret master monkey dragon football baseball basketball
    soccer hockey batman superman spiderman pokemon naruto starwars trustno1 whatever sunshine
    princess shadow michael jennifer jordan jordan23 hunter hunter2 killer charlie freedom
    computer internet samsung google apple iphone 7777777 ashley bailey buster daniel diamond
    ginger harley jessica joshua maggie matrix mustang nicole pepper robert summer thomas tigger
    access flower hannah amanda andrea anthony chelsea chocolate cookie cheese banana orange
    purple silver golden angel angels babygirl butterfly friends family forever jesus blessed
    lovers michelle sophie qazwsx 123qwe qwe123 q1w2e3r4 zxcvbn asdf1234 asdf qwer1234
    1234qwer aaaaaa abcdef abcdefg abcdefgh abcabc test1234 temp temp123 demo sample secure
    private open sesame opensesame donald football1 liverpool arsenal chelsea1 barcelona
    metallica nirvana slipknot mercedes ferrari porsche yankees cowboys eagles steelers
    letmein1 welcome123 admin1 password12 password1234 iloveyou1 monkey1 dragon1 master1
    qwerty12 1q2w3e 123abc abc12345 12qwaszx 1qazxsw2 q1w2e3 zaq1zaq1 qweasd qweasdzxc
"""

COMMON_PASSWORDS: frozenset[str] = frozenset(_WORDS.split())
