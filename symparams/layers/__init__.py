"""The catalogue of layer kinds, one file per kind (or family); importing it fills the
registry.  A file holds everything about its kind: the maths (shape, weights,
conditions), how the notation writes it (letters, positional arguments, keywords) and
how PyTorch writes it."""

from symparams.layers.activation import Activation
from symparams.layers.attention import Attention
from symparams.layers.conv import Conv
from symparams.layers.convtranspose import ConvTranspose
from symparams.layers.custom import Custom
from symparams.layers.dense import Dense
from symparams.layers.dropout import Dropout
from symparams.layers.embedding import Embedding, Positions
from symparams.layers.encoder import EncoderLayer
from symparams.layers.feedforward import FeedForward
from symparams.layers.flatten import Flatten
from symparams.layers.input import Input
from symparams.layers.merge import Add, Concat, Multiply
from symparams.layers.norm import BatchNorm, GroupNorm, LayerNorm, RMSNorm
from symparams.layers.padding import ZeroPadding
from symparams.layers.pooling import AdaptivePool, GlobalPool, Pool
from symparams.layers.prelu import PReLU
from symparams.layers.recurrent import GRU, LSTM, SimpleRNN
from symparams.layers.reshape import Permute, Reshape
from symparams.layers.select import First
from symparams.layers.upsample import Upsample

__all__ = ["Activation", "AdaptivePool", "Add", "Attention", "BatchNorm", "Concat", "Conv",
           "ConvTranspose", "Custom", "Dense", "Dropout", "Embedding", "EncoderLayer",
           "FeedForward", "First", "Flatten", "GlobalPool", "GroupNorm", "GRU", "Input",
           "LayerNorm", "LSTM", "Multiply", "Permute", "Pool", "Positions", "PReLU", "Reshape",
           "RMSNorm", "SimpleRNN", "Upsample", "ZeroPadding"]
