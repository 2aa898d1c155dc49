# Perl interpolations of the subroutine's arguments.
my $session = $wiki->login({lgname => "$_[0]", lgpassword => "$_[1]"});
