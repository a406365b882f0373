"""Gather what the lead card shows: the person, their campaign, their taste, trips and cart."""

from __future__ import annotations

from flows.handoff import LeadCard, ShownTrip
from flows.matching import match_percent, match_probability
from flows.preference import hot_cold
from flows.quiz import QuizService
from store import carts, leads, people, quizzes
from store.leads import Lead
from store.quizzes import QuizRow

SHOWN_ON_CARD = 3


async def _quiz_of(service: QuizService, lead: Lead, cart: carts.Cart | None) -> QuizRow | None:
    """Return the quiz behind the cart, else the person's latest finished quiz."""
    if cart is not None and cart.quiz_id is not None:
        quiz = await quizzes.get_quiz(service.db, cart.quiz_id)
        if quiz is not None:
            return quiz
    return await quizzes.latest_quiz(service.db, lead.user_id, "finished")


def _taste(service: QuizService, quiz: QuizRow,
           language: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[ShownTrip, ...]]:
    """Return liked and disliked feature labels and the first trips shown with their match."""
    catalog = service.catalog_for(quiz)
    posterior = service.posterior(catalog, quiz)
    hot, cold = hot_cold(posterior)
    liked = tuple(catalog.feature_label(catalog.feature_ids[f], language) for f in hot)
    disliked = tuple(catalog.feature_label(catalog.feature_ids[f], language) for f in cold)

    catalog_mean = catalog.trip_matrix.mean(axis=0)
    shown = []
    for trip_id in quiz.shown_trips[:SHOWN_ON_CARD]:
        index = catalog.trip_index.get(trip_id)
        if index is None:
            # A reloaded catalog may have dropped the trip: keep its id, without a match.
            shown.append(ShownTrip(trip_id, None))
            continue
        probability = match_probability(posterior, catalog.trip_matrix[index], catalog_mean)
        title = catalog.trips[index].title.get(language)
        shown.append(ShownTrip(title, match_percent(probability)))
    return liked, disliked, tuple(shown)


async def build_card(service: QuizService, lead: Lead, language: str) -> LeadCard:
    """Collect the card of a lead, with catalog labels in the advisors' language."""
    db = service.db
    person = await people.get_person(db, lead.user_id)
    cart = await carts.get_cart(db, lead.cart_id) if lead.cart_id is not None else None

    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()
    shown: tuple[ShownTrip, ...] = ()
    quiz = await _quiz_of(service, lead, cart)
    if quiz is not None and quiz.answers:
        liked, disliked, shown = _taste(service, quiz, language)

    cart_title = None
    if cart is not None:
        catalog = service.catalogs.current
        index = catalog.trip_index.get(cart.trip_id)
        cart_title = catalog.trips[index].title.get(language) if index is not None \
            else cart.title
    return LeadCard(
        lead_id=lead.id,
        first_name=person.first_name if person else "",
        username=person.username if person else None,
        language=lead.language or (person.language if person else "fr"),
        campaign=lead.campaign,
        arrived_at=await leads.arrival_time(db, lead.user_id, lead.campaign),
        liked=liked,
        disliked=disliked,
        shown=shown,
        cart_title=cart_title,
        cart_price=cart.price if cart else None,
        cart_currency=cart.currency if cart else None,
    )
